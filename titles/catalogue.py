"""Fixed vocabularies of the catalogue: levels with their committee grouping, evaluation modes."""

from django.db import models


class Level(models.TextChoices):
    YUAN = "yuan", "员级"
    ASSISTANT = "assistant", "助理级"
    MIDDLE = "middle", "中级"
    VICE_SENIOR = "vice_senior", "副高级"
    SENIOR = "senior", "正高级"


class LevelGroup(models.TextChoices):
    """The grouping committees use: 初评委会 (员级/助理级), 中评委会 (中级), 高评委会 (副高/正高)."""

    JUNIOR = "junior", "初级"
    MIDDLE = "middle", "中级"
    SENIOR = "senior", "高级"


LEVEL_GROUP = {
    Level.YUAN: LevelGroup.JUNIOR,
    Level.ASSISTANT: LevelGroup.JUNIOR,
    Level.MIDDLE: LevelGroup.MIDDLE,
    Level.VICE_SENIOR: LevelGroup.SENIOR,
    Level.SENIOR: LevelGroup.SENIOR,
}

COMMITTEE_LEVEL_LABEL = {LevelGroup.JUNIOR: "初评委会", LevelGroup.MIDDLE: "中评委会", LevelGroup.SENIOR: "高评委会"}
LEVEL_ORDER = {lv: i for i, lv in enumerate(Level.values)}


class EvaluationMode(models.TextChoices):
    """TTL-2 (002 §2.1.1): 评审 by a committee; 初定 without a committee, the issuing org approves; 认定."""

    REVIEW = "review", "评审"
    INITIAL = "initial", "初定"
    RECOGNITION = "recognition", "认定"


MODES_WITH_COMMITTEE = frozenset({EvaluationMode.REVIEW})
