from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("prizes/", views.my_prizes, name="my_prizes"),
    path("manage/", views.manage, name="manage"),
    path("awards/<int:award_id>/collect/", views.award_collect, name="award_collect"),
    path("lotteries/new/", views.lottery_create, name="lottery_create"),
    path("lotteries/<int:lottery_id>/", views.lottery_detail, name="lottery"),
    path("lotteries/<int:lottery_id>/edit/", views.lottery_edit, name="lottery_edit"),
    path("lotteries/<int:lottery_id>/publish/", views.lottery_publish, name="lottery_publish"),
    path("lotteries/<int:lottery_id>/draw/", views.lottery_draw, name="lottery_draw"),
    path("lotteries/<int:lottery_id>/live/", views.lottery_live, name="lottery_live"),
    path("lotteries/<int:lottery_id>/export/", views.lottery_export, name="lottery_export"),
    path("lotteries/<int:lottery_id>/close/", views.lottery_close, name="lottery_close"),
    path("lotteries/<int:lottery_id>/banner/", views.lottery_banner, name="lottery_banner"),
    path("quizzes/new/", views.quiz_create, name="quiz_create"),
    path("quizzes/<int:quiz_id>/", views.quiz_detail, name="quiz"),
    path("quizzes/<int:quiz_id>/edit/", views.quiz_edit, name="quiz_edit"),
    path("quizzes/<int:quiz_id>/publish/", views.quiz_publish, name="quiz_publish"),
    path("quizzes/<int:quiz_id>/start/", views.quiz_start, name="quiz_start"),
    path("quizzes/<int:quiz_id>/submit/", views.quiz_submit, name="quiz_submit"),
    path("quizzes/<int:quiz_id>/live/", views.quiz_live, name="quiz_live"),
    path("quizzes/<int:quiz_id>/export/", views.quiz_export, name="quiz_export"),
    path("quizzes/<int:quiz_id>/close/", views.quiz_close, name="quiz_close"),
    path("quizzes/<int:quiz_id>/settle/", views.quiz_settle, name="quiz_settle"),
    path("quizzes/<int:quiz_id>/banner/", views.quiz_banner, name="quiz_banner"),
]
