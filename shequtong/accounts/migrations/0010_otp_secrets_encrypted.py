"""Second-factor secrets encrypted at rest (issue 12): TOTP devices move from django-otp's clear
`otp_totp_totpdevice` to `accounts_encryptedtotpdevice` (key encrypted), and stored recovery codes
are replaced by keyed hashes. Enrolled staff keep their authenticator app and their codes; a
session verified with a moved TOTP device asks for one code again (its device id changed)."""

import django.db.models.deletion
import django_otp.plugins.otp_totp.models
import shequtong.common.fields
from django.conf import settings
from django.db import migrations, models

TOTP_FIELDS = ("user_id", "name", "confirmed", "throttling_failure_timestamp", "throttling_failure_count",
               "created_at", "last_used_at", "key", "step", "t0", "digits", "tolerance", "drift", "last_t")


def encrypt_otp_secrets(apps, schema_editor):
    from shequtong.accounts.models import recovery_code_hash

    Old = apps.get_model("otp_totp", "TOTPDevice")
    New = apps.get_model("accounts", "EncryptedTOTPDevice")
    for old in Old.objects.order_by("id").iterator():
        new = New.objects.create(**{f: getattr(old, f) for f in TOTP_FIELDS})
        if old.created_at is not None:  # auto_now_add set it to now
            New.objects.filter(pk=new.pk).update(created_at=old.created_at)
        old.delete()
    Token = apps.get_model("otp_static", "StaticToken")
    for token in Token.objects.order_by("id").iterator():
        if len(token.token) != 16:  # a clear code (ours are 8 characters); a hash is 16 hex digits
            Token.objects.filter(pk=token.pk).update(token=recovery_code_hash(token.token))


def decrypt_otp_secrets(apps, schema_editor):
    """Back to django-otp's clear table (recovery codes cannot be un-hashed: staff renew them)."""
    Old = apps.get_model("otp_totp", "TOTPDevice")
    New = apps.get_model("accounts", "EncryptedTOTPDevice")
    for new in New.objects.order_by("id").iterator():
        Old.objects.create(**{f: getattr(new, f) for f in TOTP_FIELDS})
        new.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_drop_clear_real_name'),
        ('otp_static', '0003_add_timestamps'),
        ('otp_totp', '0003_add_timestamps'),
    ]

    operations = [
        migrations.CreateModel(
            name='RecoveryCodeDevice',
            fields=[
            ],
            options={
                'verbose_name': '恢复码',
                'verbose_name_plural': '恢复码',
                'proxy': True,
                'indexes': [],
                'constraints': [],
            },
            bases=('otp_static.staticdevice',),
        ),
        migrations.CreateModel(
            name='EncryptedTOTPDevice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(help_text='The human-readable name of this device.', max_length=64)),
                ('confirmed', models.BooleanField(default=True, help_text='Is this device ready for use?')),
                ('throttling_failure_timestamp', models.DateTimeField(blank=True, default=None, help_text='A timestamp of the last failed verification attempt. Null if last attempt succeeded.', null=True)),
                ('throttling_failure_count', models.PositiveIntegerField(default=0, help_text='Number of successive failed attempts.')),
                ('created_at', models.DateTimeField(auto_now_add=True, help_text='The date and time when this device was initially created in the system.', null=True)),
                ('last_used_at', models.DateTimeField(blank=True, help_text='The most recent date and time this device was used.', null=True)),
                ('key', shequtong.common.fields.EncryptedTextField(default=django_otp.plugins.otp_totp.models.default_key, help_text='A hex-encoded secret key of up to 40 bytes.', null=True)),
                ('step', models.PositiveSmallIntegerField(default=30)),
                ('t0', models.BigIntegerField(default=0)),
                ('digits', models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)),
                ('tolerance', models.PositiveSmallIntegerField(default=1)),
                ('drift', models.SmallIntegerField(default=0)),
                ('last_t', models.BigIntegerField(default=-1)),
                ('user', models.ForeignKey(help_text='The user that this device belongs to.', on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '动态口令设备',
                'verbose_name_plural': '动态口令设备',
                'abstract': False,
            },
        ),
        migrations.RunPython(encrypt_otp_secrets, decrypt_otp_secrets, elidable=False),
    ]
