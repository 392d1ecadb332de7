"""One entry point for deciding a case, whether it stands alone or is a step of a parallel chain."""
from ..models import Application, ChainStep
from . import chains, transitions


def case_decide(*, application_id: int, actor, outcome: str, comment: str = "") -> Application:
    """Pages and APIs call this: a chain step is decided with its chain (successors start), any other case
    through the single-case transition."""
    if ChainStep.objects.filter(application_id=application_id).exists():
        return chains.chain_step_decide(application_id=application_id, actor=actor, outcome=outcome, comment=comment)
    return transitions.application_decide(application_id=application_id, actor=actor, outcome=outcome, comment=comment)
