"""A stand-in for a model module, for the preload test."""


def preload(settings: object) -> object:
    return "MODEL"
