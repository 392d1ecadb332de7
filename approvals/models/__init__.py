"""Approvals models, split by concept: applications and their clock, materials and notices."""
from .applications import Application, ApplicationEvent, ClockStop, DishonestyEntry, ExtensionRequest
from .chains import CaseWarning, Chain, ChainFinding, ChainStep, ChainTemplate, ChainTemplateStep
from .materials import CorrectionItem, CorrectionNotice, DeficiencyCommitment, MaterialFile
from .policy import WarningPolicy

__all__ = [
    "Application",
    "ApplicationEvent",
    "CaseWarning",
    "Chain",
    "ChainFinding",
    "ChainStep",
    "ChainTemplate",
    "ChainTemplateStep",
    "ClockStop",
    "CorrectionItem",
    "CorrectionNotice",
    "DeficiencyCommitment",
    "DishonestyEntry",
    "ExtensionRequest",
    "MaterialFile",
    "WarningPolicy",
]
