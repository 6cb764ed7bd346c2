"""`manage.py verify_audit_chain`: prove the audit log untouched (the same check as verify_audit).

Recomputes every row's HMAC and link (accounts/audit_chain.py); exits 1 naming the first row
that was changed, removed or inserted; `--expect-head` also proves nothing was cut off the end.
"""

from shequtong.accounts.management.commands.verify_audit import Command as VerifyAudit


class Command(VerifyAudit):
    pass
