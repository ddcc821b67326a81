"""The kinds of instrument events operators record (maintenance annotations)."""

from __future__ import annotations

from enum import StrEnum


class AnnotationKind(StrEnum):
    COLUMN_CHANGE = "column_change"
    SOURCE_CLEANING = "source_cleaning"
    CALIBRATION = "calibration"
    MAINTENANCE = "maintenance"
    NEW_LOT = "new_lot"
    NOTE = "note"  # free text


ANNOTATION_KINDS = tuple(kind.value for kind in AnnotationKind)
# a new column changes retention and intensity: its QC series start a new baseline unless configured otherwise
DEFAULT_BASELINE_RESET_KINDS = (AnnotationKind.COLUMN_CHANGE,)
