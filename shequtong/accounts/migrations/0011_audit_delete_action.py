"""AuditEvent gains the action "delete" (删除记录), written when a health archive is deleted (issue 15)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0010_otp_secrets_encrypted'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('login', '登录'), ('login_failed', '登录失败'), ('logout', '退出'), ('register', '注册'), ('role_grant', '授予角色'), ('role_revoke', '撤销角色'), ('member_review', '成员审核'), ('reveal', '查看敏感信息'), ('export', '导出数据'), ('api_token', '接口令牌'), ('read', '查看内容'), ('search', '信息穿透检索'), ('list', '接口列表查询'), ('mfa_enrol', '绑定动态口令'), ('mfa_verify', '动态口令验证'), ('mfa_failed', '动态口令错误'), ('mfa_recovery', '生成恢复码'), ('password_change', '修改密码'), ('delete', '删除记录')], max_length=20),
        ),
    ]
