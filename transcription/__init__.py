"""Offline voicemail transcription (Vosk) and second-line triage.

Entry points for the worker: ``registry.preload`` (before forking), ``fetch.fetch_recording``,
``voicemail.transcribe`` and ``voicemail.analyse``. No Flask, no RQ in this package.
"""
