"""An enterprise's scale, safety standardisation grade and benchmark flag (seed items 6, 7 and 17), with the
Chinese words an import file or a form may use for each value."""
from __future__ import annotations

from typing import Any

SCALES = {"above_scale": ("规上企业", "Above designated size"), "below_scale": ("规下企业", "Below designated size"),
          "small_venue": ("小场所", "Small venue")}
STANDARD_GRADES = {"level_1": ("一级", "Grade 1"), "level_2": ("二级", "Grade 2"), "level_3": ("三级", "Grade 3"),
                   "none": ("未达标", "Not graded")}
_SCALE_WORDS = {"规上": "above_scale", "规上企业": "above_scale", "规模以上": "above_scale", "规下": "below_scale",
                "规下企业": "below_scale", "规模以下": "below_scale", "小场所": "small_venue"}
_GRADE_WORDS = {"一级": "level_1", "二级": "level_2", "三级": "level_3", "未达标": "none", "无": "none"}
_YES = {"是", "true", "1", "yes", "y", "标杆", "标杆企业"}
_NO = {"否", "false", "0", "no", "n", ""}


def scale(value: Any) -> str | None:
    """The scale key for a key or a Chinese word; None for blank. ValueError for anything else."""
    return _pick(value, SCALES, _SCALE_WORDS, "规上、规下或小场所")


def standard_grade(value: Any) -> str | None:
    """The standardisation grade key for a key or a Chinese word (一级/二级/三级/未达标); None for blank."""
    return _pick(value, STANDARD_GRADES, _GRADE_WORDS, "一级、二级、三级或未达标")


def benchmark(value: Any) -> bool:
    """The benchmark flag from a yes/no cell (是/否, true/false, 1/0; blank is no). ValueError for anything else."""
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError("应为“是”或“否”")


def _pick(value: Any, keys: dict[str, Any], words: dict[str, str], allowed: str) -> str | None:
    text = str(value or "").strip()
    if not text:
        return None
    found = text if text in keys else words.get(text)
    if found is None:
        raise ValueError(f"应为{allowed}")
    return found
