"""Refusals an action raises: their message is shown to the member, the text kept."""


class ActionRefused(Exception):
    """A write that the rules do not allow; its message is shown to the member."""


class PseudonymTaken(ActionRefused):
    pass


class NeedsConfirmation(ActionRefused):
    """The post may identify someone: the author is warned and may publish anyway (the
    post is then held for review). The form asks again with a confirmation box."""
