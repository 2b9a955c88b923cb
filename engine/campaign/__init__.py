"""The campaign (三年行动, 2024–2026) built on the runtime's API: enterprises and their staff, industries and
business days, the registers (台账) and the dashboard's plan progress, notices and the campaign dates that queue
them, self-checks, training coverage, accidents, whistleblower reports, referral letters and document numbers,
the responsibility list, reference and demo data (`bootstrap`), and the simulator with its what-if runs. Importing
it registers its script functions and runtime hooks (`script_lookups`, `report_figures`, `referral_letters`,
`spot_checks`, `study_notices`, `campaign_dates`, `notices`). The names below are what the web UI uses of it.
"""
from __future__ import annotations

from . import (  # noqa: F401
               campaign_dates,
               notices,
               referral_letters,
               report_figures,
               script_lookups,
               spot_checks,  # their registrations with the runtime
               study_notices,
)
from .accidents import yearly_counts
from .business_days import describe as business_days_describe
from .business_days import industry_defaults
from .campaign_date_admin import add_campaign_date, delete_campaign_date, list_campaign_dates, update_campaign_date
from .campaign_dates import RISK_GRADES as campaign_dates_RISK_GRADES
from .dashboard import CampaignFigures, campaign_figures
from .enterprise_import import import_enterprises as enterprise_import_import_enterprises
from .enterprises import enterprise_profiles, set_enterprise_profile
from .notices import AckRow, Coverage
from .notices import coverage as notices_coverage
from .plan_progress import YEARS as plan_progress_YEARS
from .plan_progress import PlanProgress
from .plan_progress import Tile as PlanProgressTile
from .plan_progress import progress as plan_progress_progress
from .referral_letters import Letter as ReferralLettersLetter
from .referral_letters import has_letter
from .referral_letters import letter as referral_letters_letter
from .register import SUPERVISION, HazardRow, NamedKey, enterprise_names, hazard_register, list_industries, list_roles
from .register import enterprise_name as register_enterprise_name
from .registers import (
               ENTERPRISE_SORTS,
               ROW_SORTS,
               EnterpriseCounts,
               RegisterKind,
               RegisterRow,
               enterprise_counts,
               enterprise_overview,
               get_kind,
               iter_rows,
               townships,
)
from .registers import MAX_EXPORT as registers_MAX_EXPORT
from .registers import MAX_LIMIT as registers_MAX_LIMIT
from .registers import RISK_GRADES as registers_RISK_GRADES
from .registers import STATES as registers_STATES
from .registers import Counts as RegistersCounts
from .registers import Filters as RegistersFilters
from .registers import counts as registers_counts
from .registers import overview as registers_overview
from .registers import rows as registers_rows
from .responsibilities import for_register
from .responsibilities import listing as responsibilities_listing
from .scheduled_starts import list_scheduled_starts, set_job_paused, set_process_paused
from .self_checks import SORTS as self_checks_SORTS
from .self_checks import EnterpriseChecks, SelfCheckReport, self_check_report
from .self_checks import month_window as self_checks_month_window
from .self_checks import sort_rows as self_checks_sort_rows
from .staff import POSTS as staff_POSTS
from .staff import add_person as staff_add_person
from .staff import import_people as staff_import_people
from .staff import list_people as staff_list_people
from .staff import may_edit as staff_may_edit
from .staff import update_person
from .training_coverage import CoverageLine
from .training_coverage import Figures as TrainingCoverageFigures
from .training_coverage import coverage as training_coverage_coverage
from .training_coverage import people as training_coverage_people
from .what_if import DEFAULT_MONTHS as what_if_DEFAULT_MONTHS
from .what_if import MAX_MONTHS as what_if_MAX_MONTHS
from .what_if import compare as what_if_compare

__all__ = ["AckRow", "CampaignFigures", "Coverage", "CoverageLine", "ENTERPRISE_SORTS", "EnterpriseChecks",
           "EnterpriseCounts", "HazardRow", "NamedKey", "PlanProgress", "PlanProgressTile", "ROW_SORTS",
           "ReferralLettersLetter", "RegisterKind", "RegisterRow", "RegistersCounts", "RegistersFilters",
           "SUPERVISION", "SelfCheckReport", "TrainingCoverageFigures", "add_campaign_date", "business_days_describe",
           "campaign_dates_RISK_GRADES", "campaign_figures", "delete_campaign_date", "enterprise_counts",
           "enterprise_import_import_enterprises", "enterprise_names", "enterprise_overview", "enterprise_profiles",
           "for_register", "get_kind", "has_letter", "hazard_register", "industry_defaults", "iter_rows",
           "list_campaign_dates", "list_industries", "list_roles", "list_scheduled_starts", "notices_coverage",
           "plan_progress_YEARS", "plan_progress_progress", "referral_letters_letter", "register_enterprise_name",
           "registers_MAX_EXPORT", "registers_MAX_LIMIT", "registers_RISK_GRADES", "registers_STATES",
           "registers_counts", "registers_overview", "registers_rows", "responsibilities_listing",
           "self_check_report", "self_checks_SORTS", "self_checks_month_window", "self_checks_sort_rows",
           "set_enterprise_profile", "set_job_paused", "set_process_paused", "staff_POSTS", "staff_add_person",
           "staff_import_people", "staff_list_people", "staff_may_edit", "townships", "training_coverage_coverage",
           "training_coverage_people", "update_campaign_date", "update_person", "what_if_DEFAULT_MONTHS",
           "what_if_MAX_MONTHS", "what_if_compare", "yearly_counts"]
