import datetime
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Role
from agencies.services import agency_create, staff_member_create
from casework.models import Case
from casework.services import agency_set_jurisdiction
from demo.caseload import DemoAgencies, seed_caseload
from referrals.models import ServiceType, ShareScope
from referrals.services import (
    consent_record,
    referral_accept,
    referral_create,
    referral_progress,
    referral_send,
)
from returnees.models import Region

User = get_user_model()

DEMO_PASSWORD = "homeward-demo-2026"  # noqa: S105 - printed on purpose: demo machines only

AGENCIES = [
    ("bishkek", "Bishkek Social Services", AgencyKind.SOCIAL_SERVICES, Region.BISHKEK),
    ("osh", "Osh Social Services", AgencyKind.SOCIAL_SERVICES, Region.OSH_CITY),
    ("police", "Bishkek Police Liaison Unit", AgencyKind.POLICE, Region.BISHKEK),
    ("health", "Republican Mental Health Centre", AgencyKind.HEALTH, Region.BISHKEK),
    ("school", "Osh School No. 5", AgencyKind.EDUCATION, Region.OSH_CITY),
    ("employer", "Dordoi Textile Works", AgencyKind.EMPLOYER, Region.BISHKEK),
    ("family", "Family Bridge Public Foundation", AgencyKind.FAMILY_SUPPORT, Region.OSH_CITY),
]
# username, first, last, role, agency key
USERS = [
    ("sw.bishkek", "Aigul", "Sadykova", Role.SOCIAL_WORKER, "bishkek"),
    ("sw2.bishkek", "Nurbek", "Asanov", Role.SOCIAL_WORKER, "bishkek"),
    ("sw.osh", "Dilfuza", "Karimova", Role.SOCIAL_WORKER, "osh"),
    ("sw2.osh", "Kubanych", "Toktorov", Role.SOCIAL_WORKER, "osh"),
    ("pm.bishkek", "Gulmira", "Abdyldaeva", Role.PROGRAM_MANAGER, "bishkek"),
    ("pm.osh", "Bakhtiyar", "Mamatov", Role.PROGRAM_MANAGER, "osh"),
    ("police.bishkek", "Marat", "Ismailov", Role.POLICE_LIAISON, "police"),
    ("partner.health", "Elena", "Petrova", Role.PARTNER_STAFF, "health"),
    ("partner.school", "Zhyldyz", "Orozova", Role.PARTNER_STAFF, "school"),
    ("partner.employer", "Samat", "Jumaliev", Role.PARTNER_STAFF, "employer"),
    ("partner.family", "Saltanat", "Nurmatova", Role.PARTNER_STAFF, "family"),
    ("auditor", "Ainura", "Beishenova", Role.AUDITOR, None),
]


DEMO_USERS = [username for username, *_rest in USERS]


class Command(BaseCommand):
    help = "Create demo agencies, a user for every role, and a demo caseload (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--returnees", type=int, default=300, help="How many people to create (default 300)."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed for the caseload.")

    def handle(self, *args, returnees: int, seed: int, **options):
        if returnees < 0:
            self.stderr.write("--returnees must be 0 or more")
            return
        started = time.monotonic()
        if Agency.objects.filter(name=AGENCIES[0][1]).exists():
            self.stdout.write(
                f"Demo data already present ({Case.objects.count()} cases); nothing added."
            )
        else:
            agencies = self._staff()
            self.stdout.write(f"Creating {returnees} returnees…")
            count = seed_caseload(
                agencies=agencies,
                returnees=returnees,
                seed=seed,
                progress=lambda n: self.stdout.write(f"  {n}", ending="\r"),
            )
            self.stdout.write(f"Created {count} returnees with open cases.")
            self._relationships()
            self.stdout.write("Police jurisdiction set; demo referrals sent and answered.")
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")
        self.stdout.write(self.logins())

    @transaction.atomic
    def _staff(self) -> DemoAgencies:
        agencies = {
            key: agency_create(actor=None, name=name, kind=kind, region=region)
            for key, name, kind, region in AGENCIES
        }
        password_hash = make_password(DEMO_PASSWORD)
        users = {}
        for username, first, last, role, agency_key in USERS:
            users[username] = staff_member_create(
                actor=None,
                username=username,
                password=None,
                password_hash=password_hash,
                role=role,
                agencies=[agencies[agency_key]] if agency_key else [],
                first_name=first,
                last_name=last,
                email=f"{username}@homeward.example",
            )
        # Identified report exports are granted person by person, never by role:
        # the demo's Bishkek program manager holds it to show the identified path.
        users["pm.bishkek"].user_permissions.add(
            Permission.objects.get(content_type__app_label="reports", codename="export_identified")
        )
        # Configures in the admin site; reads no case, trail or report (docs/access.md).
        staff_member_create(
            actor=None,
            username="admin",
            password=None,
            password_hash=password_hash,
            role=Role.ADMINISTRATOR,
            agencies=[],
            email="admin@homeward.example",
        )
        return DemoAgencies(
            north=agencies["bishkek"],
            south=agencies["osh"],
            north_workers=[users["sw.bishkek"], users["sw2.bishkek"]],
            south_workers=[users["sw.osh"], users["sw2.osh"]],
            north_manager=users["pm.bishkek"],
            south_manager=users["pm.osh"],
        )

    @transaction.atomic
    def _relationships(self) -> None:
        """Police jurisdiction and a few referrals, through the real services."""
        users = {u.username: u for u in User.objects.filter(username__in=[*DEMO_USERS, "admin"])}
        agencies = {a.name: a for a in Agency.objects.all()}
        police = agencies["Bishkek Police Liaison Unit"]
        agency_set_jurisdiction(
            actor=users["admin"], agency=police, regions=[Region.BISHKEK, Region.CHUY]
        )
        worker, lead = users["sw.bishkek"], agencies["Bishkek Social Services"]
        cases = Case.objects.filter(lead_agency=lead, assigned_worker=worker).order_by("pk")[:9]
        partners = [
            (
                "Dordoi Textile Works",
                ServiceType.JOB_PLACEMENT,
                "partner.employer",
                [ShareScope.IDENTITY, ShareScope.CONTACT],
            ),
            (
                "Republican Mental Health Centre",
                ServiceType.PSYCHOLOGICAL_SUPPORT,
                "partner.health",
                [ShareScope.IDENTITY, ShareScope.CONTACT, ShareScope.PLAN],
            ),
            (
                "Family Bridge Public Foundation",
                ServiceType.FAMILY_SUPPORT,
                "partner.family",
                [ShareScope.IDENTITY, ShareScope.SHARED_NOTES],
            ),
        ]
        today = timezone.localdate()
        for index, case in enumerate(cases):
            agency_name, service, partner_username, scope = partners[index % len(partners)]
            to_agency = agencies[agency_name]
            minor = case.returnee.is_minor
            consent_record(
                actor=worker,
                case=case,
                agency=to_agency,
                purpose=service,
                scope=scope,
                decision="given",
                given_by="parent_guardian" if minor else "person",
                guardian_name="Parent (demo)" if minor else "",
            )
            referral = referral_create(
                actor=worker,
                case=case,
                to_agency=to_agency,
                service_type=service,
                reason="Referred after the needs screen (demo).",
                response_deadline=today + datetime.timedelta(days=2 + index),
                share_scope=scope,
            )
            referral_send(actor=worker, referral=referral)
            if index % 3 == 0:
                continue  # left awaiting an answer
            partner = users[partner_username]
            referral_accept(actor=partner, referral=referral)
            if index % 3 == 2:
                referral_progress(
                    actor=partner, referral=referral, note="First meeting held; next one booked."
                )

    @staticmethod
    def logins() -> str:
        lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
        for username, _first, _last, role, agency_key in USERS:
            agency = next((a[1] for a in AGENCIES if a[0] == agency_key), "—")
            lines.append(f"  {username:<18} {role.label:<16} {agency}")
        lines.append(f"  {'admin':<18} {'Administrator':<16} —")
        lines.append("  (pm.bishkek may also make identified report exports)")
        return "\n".join(lines)
