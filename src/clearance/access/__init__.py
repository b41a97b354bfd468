"""Who may do what to which record: principals, roles, clearances, markings and the policy
decision, as pure Python (storage of principals lives in :mod:`clearance.store`).

Services call :func:`require` (or :func:`can`) at their boundary, filter listings with
:func:`readable`, check marking changes with :func:`check_remark` and separation of duties with a
:class:`SeparationRule`. The embedded default install acts as :data:`LOCAL_ADMIN`.
"""

from clearance.access._credentials import (
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_LENGTH,
    TOKEN_PREFIX,
    CredentialFormatError,
    PasswordPolicyError,
    check_password_policy,
    hash_api_token,
    hash_password,
    looks_like_api_token,
    new_api_token,
    password_needs_rehash,
    verify_password,
    verify_token,
)
from clearance.access._filter import Filtered, readable
from clearance.access._marking import (
    UNCLASSIFIED_MARKING,
    Level,
    Marked,
    Marking,
    MarkingError,
    join_markings,
    marking_fields,
    marking_of,
)
from clearance.access._policy import (
    AccessDenied,
    Decision,
    can,
    delegate,
    has_role,
    require,
    require_permission,
    revoke_delegation,
)
from clearance.access._principal import LOCAL_ADMIN, Principal, actor_of, local_actor
from clearance.access._remark import Remark, RemarkError, check_remark
from clearance.access._roles import (
    READ_ONLY_ACTIONS,
    ROLE_PERMISSIONS,
    WAIVER_ACTIONS,
    Action,
    Role,
    permissions_of,
)
from clearance.access._separation import (
    CREATED_BY_DEVELOPER_CANNOT_SIGN,
    DEVELOPER_CANNOT_LEAVE,
    DEVELOPER_CANNOT_SIGN_INDEPENDENT_EVALUATION,
    NAMED_PERSON_REQUIRED,
    REQUESTER_CANNOT_APPROVE,
    SeparationOfDutiesError,
    SeparationRule,
    require_distinct,
    require_named_person,
    require_not_in,
)

__all__ = [
    "CREATED_BY_DEVELOPER_CANNOT_SIGN",
    "DEVELOPER_CANNOT_LEAVE",
    "DEVELOPER_CANNOT_SIGN_INDEPENDENT_EVALUATION",
    "LOCAL_ADMIN",
    "NAMED_PERSON_REQUIRED",
    "PASSWORD_MAX_LENGTH",
    "PASSWORD_MIN_LENGTH",
    "READ_ONLY_ACTIONS",
    "REQUESTER_CANNOT_APPROVE",
    "ROLE_PERMISSIONS",
    "TOKEN_PREFIX",
    "UNCLASSIFIED_MARKING",
    "WAIVER_ACTIONS",
    "AccessDenied",
    "Action",
    "CredentialFormatError",
    "Decision",
    "Filtered",
    "Level",
    "Marked",
    "Marking",
    "MarkingError",
    "PasswordPolicyError",
    "Principal",
    "Remark",
    "RemarkError",
    "Role",
    "SeparationOfDutiesError",
    "SeparationRule",
    "actor_of",
    "can",
    "check_password_policy",
    "check_remark",
    "delegate",
    "has_role",
    "hash_api_token",
    "hash_password",
    "join_markings",
    "local_actor",
    "looks_like_api_token",
    "marking_fields",
    "marking_of",
    "new_api_token",
    "password_needs_rehash",
    "permissions_of",
    "readable",
    "require",
    "require_distinct",
    "require_named_person",
    "require_not_in",
    "require_permission",
    "revoke_delegation",
    "verify_password",
    "verify_token",
]
