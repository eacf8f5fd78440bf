"""Twilio voice webhooks: the caller's path through the published menu, then the service
(open: wait estimate and queue; closed: call-back or voicemail), call-backs (with a keyed-in
number when the caller ID is withheld), voicemail and the call records.

Every URL that Twilio will call back carries what the next step needs (menu version, state,
language, service) in its query string; Twilio signs the URL, so none of it can be forged.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request, url_for
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import Gather, VoiceResponse

from callbacks import intake
from callbacks import texts as ticket_texts
from callbacks.models import Agent
from callbacks.tickets import CallbackRequest
from callbacks.voicemail_pipeline import PENDING as PENDING_VOICEMAIL
from callbacks.voicemails import RecordingReport, store_voicemail
from irisline.errors import InvalidInput
from routing import calls, flow, versions
from routing.callers import remember_language, remembered_language
from routing.hours import is_open, next_opening
from routing.menu import Menu, Target, Utterance
from routing.models import CallRecord
from routing.numbers import InvalidNumber, keyed_number, normalise, read_back
from routing.services import Service, default_services
from routing.speech import wait_phrase, when_phrase
from routing.waits import estimate_wait, offer_callback_first
from workers.queues import enqueue_notifications, enqueue_transcription, schedule_dial

from . import context, prompts
from .guard import protect
from .twiml import twiml

log = logging.getLogger(__name__)
bp = protect(Blueprint("voice", __name__, url_prefix="/voice"))

MAX_TRIES = 3


# --- request helpers --------------------------------------------------------------------------


def _caller() -> str | None:
    try:
        return normalise(request.values.get("From"), context.settings().IRISLINE_DEFAULT_REGION)
    except InvalidNumber:
        return None


def _arg(name: str, default: str = "") -> str:
    return request.args.get(name, default)[:100]


def _tries() -> int:
    raw = _arg("tries", "1")
    return max(1, min(int(raw), 99)) if raw.isdigit() else 1


def _version_id() -> int | None:
    raw = _arg("v")
    return int(raw) if raw.isdigit() else None


def _menu(session: Session) -> tuple[int | None, Menu]:
    return versions.for_call(session, _version_id())


def _place(session: Session, service: str) -> tuple[int | None, Menu, str, dict[str, Any]]:
    """Where this call is: its menu version and menu, its language, and the query parameters
    that carry them (with the service) into the next webhook's URL."""
    version_id, menu = _menu(session)
    lang = _language(menu)
    return version_id, menu, lang, {"v": version_id, "lang": lang, "service": service}


def _language(menu: Menu) -> str:
    lang = _arg("lang")
    return lang if lang in menu.languages.enabled else menu.languages.default


def _service() -> Service:
    service = default_services().get(_arg("service"))
    if service is None:
        raise InvalidInput(f"unknown service {_arg('service')!r}", field="service")
    return service


def _record(session: Session) -> CallRecord | None:
    call_sid = request.values.get("CallSid", "")
    return session.get(CallRecord, call_sid) if call_sid else None


def _finish(session: Session, outcome: str, node: str | None, detail: str = "") -> None:
    record = _record(session)
    if record is not None:
        calls.finish(session, record, outcome, node=node, detail=detail)


def _url(endpoint: str, **params: Any) -> str:
    return url_for(endpoint, **{k: v for k, v in params.items() if v not in (None, "")})


# --- speaking ---------------------------------------------------------------------------------


def _utter(menu: Menu, lang: str, text: str) -> Utterance:
    voice = menu.languages.voices.get(lang)
    return Utterance(
        lang,
        voice.locale if voice else prompts.tag(lang),
        text,
        voice=voice.voice if voice else None,
    )


def _speak(node: VoiceResponse | Gather, utterances: Any) -> None:
    for u in utterances:
        if u is None:
            continue
        if u.url:
            node.play(u.url)
        elif u.voice:
            node.say(u.text, voice=u.voice, language=u.locale)
        else:
            node.say(u.text, language=u.locale)


def _say(node: VoiceResponse | Gather, menu: Menu, lang: str, key: str, **values: str) -> None:
    _speak(node, [_utter(menu, lang, prompts.text(lang, key, **values))])


def _choice(action: str, timeout: int = 6) -> tuple[VoiceResponse, Gather]:
    """A one-key question whose silence also goes to `action` (with no Digits)."""
    response = VoiceResponse()
    gather = response.gather(
        input="dtmf", num_digits=1, timeout=timeout, action=action, action_on_empty_result=True
    )
    return response, gather


# --- the menu -----------------------------------------------------------------------------------


@bp.post("/incoming")
def incoming() -> Response:
    caller = _caller()
    with context.db().session() as session:
        version_id, menu = versions.live(session)
        record = calls.start_call(
            session,
            request.values.get("CallSid", ""),
            caller=caller,
            menu_version_id=version_id,
        )
        remembered = remembered_language(session, caller)
        if record.language is None:
            record.language = remembered
        existing = intake.open_tickets_for(session, caller) if caller else []
        if existing and not _arg("checked"):
            ticket = existing[0]
            lang = remembered if remembered in menu.languages.enabled else ticket.language
            return _existing_ticket_prompt(menu, version_id, lang, ticket.reference)
        step = flow.start(menu, remembered)
        calls.add_step(session, record, node=step.state.node, input=None, result=step.outcome)
    return _render(version_id, menu, step)


def _existing_ticket_prompt(menu: Menu, version_id: int | None, lang: str, ref: str) -> Response:
    response, gather = _choice(_url("voice.existing", v=version_id, lang=lang, ref=ref))
    text = ticket_texts.spoken(lang, "existing_ticket", ref=ticket_texts.spoken_reference(ref))
    _speak(gather, [_utter(menu, lang, text)])
    return twiml(response)


@bp.post("/existing")
def existing() -> Response:
    """ "Press 1 to keep it, 2 to cancel"; anything else goes on to the menu."""
    digit = request.form.get("Digits", "")
    with context.db().session() as session:
        version_id, menu = _menu(session)
        lang = _language(menu)
        response = VoiceResponse()
        if digit in ("1", "2"):
            ticket = intake.keep_or_cancel(session, _arg("ref"), digit)
            key = "kept" if digit == "1" else "cancelled"
            _speak(response, [_utter(menu, lang, ticket_texts.spoken(lang, key))])
            response.hangup()
            _finish(session, "hangup", "existing-ticket", f"{key} {ticket.reference}")
            return twiml(response)
    response.redirect(_url("voice.incoming", checked=1))
    return twiml(response)


@bp.post("/menu")
def menu_step() -> Response:
    form = request.form
    given = flow.Input(digits=form.get("Digits"), speech=form.get("SpeechResult"))
    with context.db().session() as session:
        version_id, menu = _menu(session)
        try:
            state = flow.State.from_params(request.args)
        except ValueError as exc:
            log.warning("bad menu state in %s: %s", request.full_path, exc)
            step = flow.start(menu, None)
        else:
            step = flow.step(menu, state, given)
        record = _record(session)
        if record is not None:
            said = given.digits or (f"say:{given.speech}" if given.speech else None)
            calls.add_step(session, record, node=step.state.node, input=said, result=step.outcome)
        if step.language:
            remember_language(session, _caller(), step.language)
            if record is not None:
                record.language = step.language
        if step.target is not None:
            lang = step.state.lang or menu.languages.default
            return _reach(session, version_id, menu, step, step.target, lang)
    return _render(version_id, menu, step)


def _render(version_id: int | None, menu: Menu, step: flow.Step) -> Response:
    assert step.gather is not None
    g = step.gather
    action = _url("voice.menu_step", v=version_id, **step.state.to_params())
    response = VoiceResponse()
    gather = response.gather(
        input=g.input,
        num_digits=g.num_digits,
        timeout=g.timeout,
        action=action,
        language=g.speech_locale,
        hints=",".join(g.hints) or None,
        speech_timeout="auto",
        action_on_empty_result=True,
    )
    _speak(gather, step.say)
    # Where actionOnEmptyResult isn't honoured, silence falls through to here: same action.
    response.redirect(action)
    return twiml(response)


def _reach(
    session: Session,
    version_id: int | None,
    menu: Menu,
    step: flow.Step,
    target: Target,
    lang: str,
) -> Response:
    response = VoiceResponse()
    _speak(response, step.say)
    common = {"v": version_id, "lang": lang}
    if target.kind == "service":
        response.redirect(_url("voice.service", service=target.value, **common))
    elif target.kind == "callback":
        response.redirect(_url("voice.callback", service=target.value, **common))
    elif target.kind == "voicemail":
        response.redirect(_url("voice.voicemail", service=target.value, **common))
    elif target.kind == "transfer":
        _finish(session, "transferred", step.state.node, target.value)
        dial = response.dial(
            action=_url("voice.transfer_done", **common),
            caller_id=context.settings().TWILIO_PHONE_NUMBER,
        )
        if target.value.startswith("sip:"):
            dial.sip(target.value)
        else:
            dial.number(target.value)
    else:  # hangup, after its message
        _finish(session, "hangup", step.state.node, "menu")
        response.hangup()
    return twiml(response)


# --- services: open or closed, wait, queue --------------------------------------------------


def _agents_for(session: Session, service: str) -> int:
    return sum(
        1 for a in session.query(Agent).filter(Agent.active.is_(True)) if service in a.service_list
    )


@bp.post("/service")
def service() -> Response:
    svc = _service()
    moment = context.now()
    with context.db().session() as session:
        version_id, menu, lang, common = _place(session, svc.id)
        if not is_open(svc, moment):
            return _closed(menu, svc, lang, moment, common)
        estimate = estimate_wait(
            calls.waiting(session, svc.id),
            _agents_for(session, svc.id),
            calls.recent_handling(session, svc.id),
        )
        if offer_callback_first(estimate, svc):
            action = _url("voice.service_choice", mode="long", tries=_tries(), **common)
            response, gather = _choice(action)
            if estimate.seconds is None:  # nobody is there to answer now
                _say(gather, menu, lang, "no_agent_offer")
            else:
                wait = wait_phrase(estimate.seconds, lang)
                _speak(gather, [menu.system("long_wait_offer", lang, wait=wait)])
            return twiml(response)
        return _enqueue(session, menu, svc, lang, common, estimate.seconds)


def _closed(
    menu: Menu, svc: Service, lang: str, moment: datetime, common: dict[str, Any]
) -> Response:
    reopens = next_opening(svc, moment)
    if reopens is None:
        said = menu.system("closed_no_reopening", lang, service=svc.name(lang))
    else:
        when = when_phrase(reopens, moment, lang)
        said = menu.system("closed", lang, service=svc.name(lang), when=when)
    tries = _tries()
    response, gather = _choice(_url("voice.service_choice", mode="closed", tries=tries, **common))
    _speak(gather, [said if tries == 1 else None, menu.system("closed_offer", lang)])
    return twiml(response)


@bp.post("/service/choice")
def service_choice() -> Response:
    """After "call-back (1) or voicemail (2)" at a closed service, or "call-back (1) or hold
    (2)" before a long wait. Silence or a wrong key asks again; then the gentlest way on."""
    svc = _service()
    mode = "long" if _arg("mode") == "long" else "closed"
    digit = request.form.get("Digits", "")
    with context.db().session() as session:
        version_id, menu, lang, common = _place(session, svc.id)
    response = VoiceResponse()
    if digit == "1":
        response.redirect(_url("voice.callback", **common))
    elif digit == "2" or _tries() >= MAX_TRIES:
        # After the last try a silent caller holds (open) or may leave a message (closed).
        response.redirect(_url("voice.queue" if mode == "long" else "voice.voicemail", **common))
    else:
        if digit:
            _speak(response, [menu.system("invalid", lang)])
        response.redirect(_url("voice.service", tries=_tries() + 1, **common))
    return twiml(response)


@bp.post("/queue")
def queue() -> Response:
    svc = _service()
    with context.db().session() as session:
        version_id, menu, lang, common = _place(session, svc.id)
        return _enqueue(session, menu, svc, lang, common, None)


def _enqueue(
    session: Session,
    menu: Menu,
    svc: Service,
    lang: str,
    common: dict[str, Any],
    wait_seconds: float | None,
) -> Response:
    response = VoiceResponse()
    if wait_seconds is not None:
        _speak(response, [menu.system("wait", lang, wait=wait_phrase(wait_seconds, lang))])
    joined = int(context.now().timestamp())
    response.enqueue(
        f"service-{svc.id}",
        wait_url=_url("voice.queue_wait", **common),
        wait_url_method="POST",
        action=_url("voice.queue_done", joined=joined, **common),
        method="POST",
    )
    _finish(session, "queued", svc.id)
    return twiml(response)


@bp.post("/queue/wait")
def queue_wait() -> Response:
    """Played in a loop while the caller waits: position and estimated wait, and the call-back
    that keeps the place."""
    svc = _service()
    position = request.form.get("QueuePosition", "")
    with context.db().session() as session:
        version_id, menu = _menu(session)
        estimate = None
        if position.isdigit() and int(position) > 0:
            estimate = estimate_wait(
                int(position) - 1,
                _agents_for(session, svc.id),
                calls.recent_handling(session, svc.id),
            )
    lang = _language(menu)
    common = {"v": version_id, "lang": lang, "service": svc.id}
    response, gather = _choice(_url("voice.queue_leave", **common), timeout=15)
    if position.isdigit():
        _say(gather, menu, lang, "queue_position", position=position)
    if estimate is not None and estimate.seconds is not None:
        _speak(gather, [menu.system("wait", lang, wait=wait_phrase(estimate.seconds, lang))])
    _say(gather, menu, lang, "queue_offer")
    return twiml(response)


@bp.post("/queue/leave")
def queue_leave() -> Response:
    response = VoiceResponse()
    if request.form.get("Digits") == "1":
        response.leave()
    return twiml(response)


@bp.post("/queue/done")
def queue_done() -> Response:
    """<Enqueue action>: QueueResult says why the caller left the queue."""
    result = request.form.get("QueueResult", "")
    svc = _service()
    raw_time = request.form.get("QueueTime", "0")
    queue_seconds = int(raw_time) if raw_time.isdigit() else 0
    with context.db().session() as session:
        version_id, menu, lang, common = _place(session, svc.id)
        record = _record(session)
        if record is not None:
            record.queue_seconds = queue_seconds
        response = VoiceResponse()
        if result == "leave":
            # The caller pressed 1 in the queue: call back, keeping the place they had.
            response.redirect(_url("voice.callback", joined=_arg("joined"), **common))
            return twiml(response)
        if result == "hangup":
            submission = intake.from_queue_hangup(
                session,
                caller=_caller(),
                service=svc.id,
                language=lang,
                queue_result=result,
                queue_seconds=queue_seconds,
                min_seconds=context.settings().integer("IRISLINE_QUEUE_HANGUP_SECONDS"),
                call_sid=request.form.get("CallSid"),
                now=context.now(),
                policies=context.policies(),
                number_policy=context.number_policy(),
            )
            detail = f"in queue after {queue_seconds}s"
            if submission is not None:
                detail += f"; call-back {submission.ticket.reference}"
            _finish(session, "hangup", svc.id, detail)
            ids = submission.notification_ids if submission else []
            planned = (submission.ticket.id, submission.ticket.due_at) if submission else None
        elif result in ("bridged", "redirected"):
            return twiml(response)
        else:  # queue-full, error, system-error: don't lose the caller, don't queue again
            action = _url("voice.service_choice", mode="closed", tries=MAX_TRIES, **common)
            response, gather = _choice(action)
            _speak(gather, [menu.system("closed_offer", lang)])
            return twiml(response)
    enqueue_notifications(context.redis(), ids)
    if planned is not None:
        schedule_dial(context.redis(), planned[0], planned[1] or context.now())
    return twiml(response)


# --- call-backs -----------------------------------------------------------------------------


@bp.post("/callback")
def callback() -> Response:
    svc = _service()
    keyed = _arg("number")
    joined = _arg("joined")
    moment = context.now()
    requested_at = datetime.fromtimestamp(int(joined), moment.tzinfo) if joined.isdigit() else None
    with context.db().session() as session:
        version_id, menu, lang, common = _place(session, svc.id)
        phone = keyed or _caller()
        response = VoiceResponse()
        if phone is None:
            response.redirect(_url("voice.number", **common))
            return twiml(response)
        try:
            submission = intake.submit(
                session,
                CallbackRequest(
                    phone=phone,
                    service=svc.id,
                    language=lang if lang in ticket_texts.SPOKEN else "fr",
                    source="ivr",
                    call_sid=request.form.get("CallSid"),
                    requested_at=requested_at,
                ),
                policies=context.policies(),
                number_policy=context.number_policy(),
                now=moment,
                actor="ivr",
            )
        except InvalidNumber:
            _speak(response, [_utter(menu, lang, ticket_texts.spoken(lang, "number_refused"))])
            response.redirect(_url("voice.number", **common))
            return twiml(response)
        ticket = submission.ticket
        ref = ticket_texts.spoken_reference(ticket.reference)
        if submission.created:
            when = ticket_texts.when(lang, submission.window)
            _say(response, menu, lang, "registered", ref=ref, when=when)
        else:
            _say(response, menu, lang, "merged", ref=ref)
        response.hangup()
        _finish(session, "callback", svc.id, ticket.reference)
        ticket_id, due_at = ticket.id, ticket.due_at or moment
        ids = submission.notification_ids
    redis = context.redis()
    enqueue_notifications(redis, ids)
    schedule_dial(redis, ticket_id, due_at)
    return twiml(response)


@bp.post("/number")
def number() -> Response:
    """A withheld caller ID: ask for a number to call back, ended by #."""
    with context.db().session() as session:
        version_id, menu, lang, common = _place(session, _arg("service"))
    tries = _tries()
    response = VoiceResponse()
    if tries > MAX_TRIES:
        response.redirect(_url("voice.voicemail", **common))
        return twiml(response)
    gather = response.gather(
        input="dtmf",
        finish_on_key="#",
        timeout=10,
        action=_url("voice.number_check", tries=tries, **common),
        action_on_empty_result=True,
    )
    _speak(gather, [_utter(menu, lang, ticket_texts.spoken(lang, "enter_number"))])
    return twiml(response)


@bp.post("/number/check")
def number_check() -> Response:
    with context.db().session() as session:
        version_id, menu, lang, common = _place(session, _arg("service"))
    response = VoiceResponse()
    try:
        e164 = keyed_number(request.form.get("Digits", ""), context.number_policy())
    except InvalidNumber:
        _speak(response, [_utter(menu, lang, ticket_texts.spoken(lang, "number_refused"))])
        response.redirect(_url("voice.number", tries=_tries() + 1, **common))
        return twiml(response)
    action = _url("voice.number_confirm", number=e164, tries=_tries(), **common)
    response, gather = _choice(action)
    spoken = ticket_texts.spoken(lang, "confirm_number", number=read_back(e164, lang))
    _speak(gather, [_utter(menu, lang, spoken)])
    return twiml(response)


@bp.post("/number/confirm")
def number_confirm() -> Response:
    response = VoiceResponse()
    common = {"v": _arg("v"), "lang": _arg("lang"), "service": _arg("service")}
    if request.form.get("Digits") == "1":
        response.redirect(_url("voice.callback", number=_arg("number", ""), **common))
    else:  # start again, one try fewer: "2" forever must not keep the caller here
        response.redirect(_url("voice.number", tries=_tries() + 1, **common))
    return twiml(response)


# --- voicemail, transfers, the end of the call ----------------------------------------------


@bp.post("/voicemail")
def voicemail() -> Response:
    svc = _service()
    with context.db().session() as session:
        version_id, menu = _menu(session)
        lang = _language(menu)
        _finish(session, "voicemail", svc.id)
    response = VoiceResponse()
    _say(response, menu, lang, "voicemail")
    response.record(
        action=_url("voice.voicemail_done", lang=lang, v=version_id),
        max_length=svc.voicemail_max_seconds,
        finish_on_key="#",
        play_beep=True,
        # Twilio's recording callback doesn't say who called: carry it in the (signed) URL.
        recording_status_callback=_url(
            "voice.recording", lang=lang, service=svc.id, caller=_caller() or ""
        ),
        recording_status_callback_method="POST",
    )
    _say(response, menu, lang, "goodbye")
    return twiml(response)


@bp.post("/voicemail/done")
def voicemail_done() -> Response:
    with context.db().session() as session:
        _, menu = _menu(session)
    response = VoiceResponse()
    _say(response, menu, _language(menu), "thanks")
    response.hangup()
    return twiml(response)


@bp.post("/recording")
def recording() -> Response:
    form = request.form
    if form.get("RecordingStatus", "completed") != "completed":
        return Response(status=204)
    raw = form.get("RecordingDuration", "0")
    report = RecordingReport(
        recording_sid=form["RecordingSid"],
        recording_url=form["RecordingUrl"],
        duration=int(raw) if raw.isdigit() else 0,
        call_sid=form.get("CallSid", ""),
        caller=_arg("caller") or None,
        language=_arg("lang") or prompts.DEFAULT_LANGUAGE,
        service=_arg("service") or "general",
    )
    moment = context.now()
    with context.db().session() as session:
        voicemail, submission = store_voicemail(
            session,
            report,
            region=context.settings().IRISLINE_DEFAULT_REGION,
            policies=context.policies(),
            number_policy=context.number_policy(),
            now=moment,
        )
        session.flush()
        voicemail_id, pending = voicemail.id, voicemail.status in PENDING_VOICEMAIL
        ticket_id = submission.ticket.id if submission else None
        due_at = submission.ticket.due_at if submission else None
        sms = submission.notification_ids if submission else []
    # After the commit: the jobs must find the rows. Redis away: the reconciler enqueues them.
    redis = context.redis()
    if pending:
        enqueue_transcription(redis, voicemail_id)
    enqueue_notifications(redis, sms)
    if ticket_id is not None:
        schedule_dial(redis, ticket_id, due_at or moment)
    return Response(status=204)


@bp.post("/transfer/done")
def transfer_done() -> Response:
    status = request.form.get("DialCallStatus", "")
    response = VoiceResponse()
    if status in ("completed", "answered"):
        response.hangup()
        return twiml(response)
    with context.db().session() as session:
        version_id, menu = _menu(session)
    lang = _language(menu)
    _say(response, menu, lang, "transfer_failed")
    response.redirect(_url("voice.voicemail", v=version_id, lang=lang, service="general"))
    return twiml(response)


@bp.post("/call-status")
def call_status() -> Response:
    """The inbound call's status callback (set on the number in Twilio): when the call ends,
    a call with no outcome yet is a hang-up at the node it had reached."""
    form = request.form
    if form.get("CallStatus") not in ("completed", "busy", "failed", "no-answer", "canceled"):
        return Response(status=204)
    with context.db().session() as session:
        record = _record(session)
        if record is None:
            return Response(status=204)
        if record.outcome is None:
            calls.finish(session, record, "hangup", node=calls.last_node(session, record))
        raw = form.get("CallDuration", "")
        if record.outcome == "queued" and raw.isdigit() and record.queue_seconds is not None:
            record.handled_seconds = max(0, int(raw) - record.queue_seconds)
        record.ended_at = record.ended_at or context.now()
    return Response(status=204)
