"""积分捐赠 to a charity project (§3.4.3 item 2.7): residents it serves give 社区豆; the project's page sums them."""

from __future__ import annotations

import pytest

from shequtong.charity import services
from shequtong.common.errors import Conflict, NotFound, PermissionRefused
from shequtong.points import selectors as points_selectors
from shequtong.points import services as points
from shequtong.points.models import Action, PointsAccount, PointsEntry

from .conftest import make_project

pytestmark = pytest.mark.django_db


def test_a_served_resident_donates_beans_to_a_project_on_the_shelf(people, client) -> None:
    cast = people.cast
    project = make_project(people.org, [cast.a], state="on_shelf", centre=people.centre)
    resident = cast.resident_a
    with pytest.raises(Conflict, match="社区豆不足"):
        services.donate_beans(actor=resident, project_id=project.pk, amount=5)
    points.award_quality(actor=cast.staff_a, user_id=resident.pk, reputation=0, beans=50, reason="测试")
    services.donate_beans(actor=resident, project_id=project.pk, amount=30, note="支持助餐")
    assert PointsAccount.objects.get(pk=resident.pk).beans == 20
    entry = PointsEntry.objects.get(user=resident, action=Action.DONATE)
    assert entry.beans == -30 and "银龄助餐" in entry.reason
    assert points_selectors.project_donations(project.pk) == {"total": 30, "donors": 1}
    # Outside the served communities: not found; the organisation itself: refused.
    with pytest.raises(NotFound):
        services.donate_beans(actor=cast.resident_b, project_id=project.pk, amount=1)
    client.force_login(resident)
    page = client.get(f"/charity/projects/{project.pk}/").content.decode()
    assert 'data-testid="project-donated">30<' in page and 'data-testid="donate-project"' in page
    assert client.post(f"/charity/projects/{project.pk}/donate/", {"amount": "5"}).status_code == 302
    assert points_selectors.project_donations(project.pk)["total"] == 35
    assert "社区豆不足" in client.post(f"/charity/projects/{project.pk}/donate/", {"amount": "999"}, follow=True).content.decode()


def test_a_project_off_the_shelf_takes_no_donations(people) -> None:
    cast = people.cast
    project = make_project(people.org, [cast.a], state="approved", centre=people.centre)
    points.award_quality(actor=cast.staff_a, user_id=cast.resident_a.pk, reputation=0, beans=50, reason="测试")
    with pytest.raises((NotFound, PermissionRefused)):
        services.donate_beans(actor=cast.resident_a, project_id=project.pk, amount=5)
    assert PointsAccount.objects.get(pk=cast.resident_a.pk).beans == 50
