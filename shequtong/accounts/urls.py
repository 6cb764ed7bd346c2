from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("register/", views.register, name="register"),
    path("privacy/", views.privacy, name="privacy"),
    path("register/sms/", views.register_sms, name="register_sms"),
    path("claim/", views.claim, name="claim"),
    path("claim/sms/", views.claim_sms, name="claim_sms"),
    path("captcha/<str:captcha_id>.png", views.captcha_image, name="captcha_image"),
    path("join/", views.join, name="join"),
    path("otp/", views.otp_verify, name="otp_verify"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/recovery-codes/", views.otp_recovery_codes, name="otp_recovery_codes"),
    path("password/", views.password_change, name="password_change"),
    path("me/", views.me, name="me"),
    path("me/reveal/", views.reveal_mine, name="reveal_mine"),
    path("me/version/", views.switch_version, name="switch_version"),
    path("me/elder/", views.elder_mode, name="elder_mode"),
    path("me/tokens/", views.tokens, name="tokens"),
    path("me/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("people/<int:user_id>/reveal/", views.reveal_person, name="reveal_person"),
    path("manage/reviews/", views.reviews, name="reviews"),
    path("manage/reviews/<int:membership_id>/", views.review_action, name="review_action"),
    path("manage/roles/", views.grants, name="grants"),
    path("manage/households/", views.households_page, name="households"),
    path("manage/roles/<int:grant_id>/revoke/", views.grant_revoke, name="grant_revoke"),
]
