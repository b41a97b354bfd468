"""Accountability services: who is acting, the ledger's verification, checkpoints and exports,
users and their tokens, and changes of marking.

Commands (and later the API and pages) call these; each checks the acting principal's
permissions and clearance at its boundary and writes through the store's unit of work, so every
change it makes is ledgered.
"""

from clearance.accountability._authentication import (
    AuthenticationError,
    active_principal,
    by_password,
    by_token,
)
from clearance.accountability._auto_checkpoints import (
    AutoCheckpoints,
    start_auto_checkpoints,
    stop_auto_checkpoints,
)
from clearance.accountability._checkpoints import (
    KEY_FILE,
    PUBLIC_KEY_FILE,
    LedgerIntegrityError,
    WrittenCheckpoint,
    checkpoint_dir,
    create_checkpoint,
    key_path,
    load_checkpoint,
    newest_checkpoint,
    public_key,
    rotate_signing_key,
    sign_and_publish,
    signing_key,
)
from clearance.accountability._exports import (
    ExportChangedError,
    LedgerExport,
    export_ledger,
)
from clearance.accountability._ledger_view import LedgerLine, newest_entries
from clearance.accountability._markings import (
    MARKING_HISTORY,
    RunRemark,
    remark_run,
)
from clearance.accountability._run_access import readable_run, visible_runs
from clearance.accountability._run_reading import SamplePage, run_sample, run_samples
from clearance.accountability._session import (
    PASSWORD_VARIABLE,
    TOKEN_VARIABLE,
    USER_VARIABLE,
    Acting,
    acting,
    acting_for_bootstrap,
)
from clearance.accountability._sign_in import (
    SIGN_IN_RECORD,
    session_acting,
    session_credential,
    sign_in,
    sign_out,
)
from clearance.accountability._users import (
    ENROLMENT_LIFETIME,
    NewUser,
    UserError,
    add_user,
    enrol,
    grant,
    issue_token,
    list_tokens,
    list_users,
    reset_password,
    revoke,
    revoke_token,
    set_password,
)
from clearance.accountability._verification import (
    LedgerIndex,
    LedgerVerification,
    RecordMismatch,
    verify_ledger,
)
from clearance.accountability._witness_http import witness_server
from clearance.accountability._witnesses import (
    LOG_NAME_VARIABLE,
    WITNESSES_VARIABLE,
    WitnessUnavailableError,
    configured_witnesses,
    publish,
    witness_problems,
)
from clearance.store import (
    EXPORT_RECORD_TYPE,
    ApiTokenRecord,
    PrincipalExistsError,
    PrincipalNotFoundError,
    PrincipalRecord,
    PrincipalStore,
)

__all__ = [
    "ENROLMENT_LIFETIME",
    "EXPORT_RECORD_TYPE",
    "KEY_FILE",
    "LOG_NAME_VARIABLE",
    "MARKING_HISTORY",
    "PASSWORD_VARIABLE",
    "PUBLIC_KEY_FILE",
    "SIGN_IN_RECORD",
    "TOKEN_VARIABLE",
    "USER_VARIABLE",
    "WITNESSES_VARIABLE",
    "Acting",
    "ApiTokenRecord",
    "AuthenticationError",
    "AutoCheckpoints",
    "ExportChangedError",
    "LedgerExport",
    "LedgerIndex",
    "LedgerIntegrityError",
    "LedgerLine",
    "LedgerVerification",
    "NewUser",
    "PrincipalExistsError",
    "PrincipalNotFoundError",
    "PrincipalRecord",
    "PrincipalStore",
    "RecordMismatch",
    "RunRemark",
    "SamplePage",
    "UserError",
    "WitnessUnavailableError",
    "WrittenCheckpoint",
    "acting",
    "acting_for_bootstrap",
    "active_principal",
    "add_user",
    "by_password",
    "by_token",
    "checkpoint_dir",
    "configured_witnesses",
    "create_checkpoint",
    "enrol",
    "export_ledger",
    "grant",
    "issue_token",
    "key_path",
    "list_tokens",
    "list_users",
    "load_checkpoint",
    "newest_checkpoint",
    "newest_entries",
    "public_key",
    "publish",
    "readable_run",
    "remark_run",
    "reset_password",
    "revoke",
    "revoke_token",
    "rotate_signing_key",
    "run_sample",
    "run_samples",
    "session_acting",
    "session_credential",
    "set_password",
    "sign_and_publish",
    "sign_in",
    "sign_out",
    "signing_key",
    "start_auto_checkpoints",
    "stop_auto_checkpoints",
    "verify_ledger",
    "visible_runs",
    "witness_problems",
    "witness_server",
]
