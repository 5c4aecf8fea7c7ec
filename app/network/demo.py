"""The demo network (``make run``): the départements of the Republic of the Congo and
post offices of Brazzaville, Pointe-Noire and Dolisie, with their print centres.

The départements are the twelve in force until 2024 (Brazzaville, Pointe-Noire
and ten others), with their chefs-lieux. The 2024 reform added three more
(Congo-Oubangui, Djoué-Léfini, Nkéni-Alima) carved out of Cuvette, Likouala,
Pool and Plateaux; they are left out of the demo because we could not confirm
their chefs-lieux and which districts moved, and a wrong record is worse than a
missing one: production loads its own network.

Offices' codes are those ``DEFAULT_MAIL_PRINT_CENTRES`` already uses (the
print centres BZV-CI and PNR-CI and the offices they serve; the demo agent sits
at BZV-PP), plus a few more of Brazzaville and Pointe-Noire. Addresses are the
districts' main avenues; positions are approximate (a few hundred metres): demo
data, never for guiding a customer. Find-or-create: seeding twice changes nothing,
and an office edited in the back office is left as edited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.clock import clock
from app.network.models import Department, Office

# (code, name, chef-lieu)
DEPARTMENTS: list[tuple[str, str, str]] = [
    ("BZV", "Brazzaville", "Brazzaville"),
    ("PNR", "Pointe-Noire", "Pointe-Noire"),
    ("BOU", "Bouenza", "Madingou"),
    ("CUV", "Cuvette", "Owando"),
    ("CUO", "Cuvette-Ouest", "Ewo"),
    ("KOU", "Kouilou", "Hinda"),
    ("LEK", "Lékoumou", "Sibiti"),
    ("LIK", "Likouala", "Impfondo"),
    ("NIA", "Niari", "Dolisie"),
    ("PLA", "Plateaux", "Djambala"),
    ("POO", "Pool", "Kinkala"),
    ("SAN", "Sangha", "Ouésso"),
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
OFFICE_HOURS: dict[str, Any] = {
    **{day: [["07:30", "15:30"]] for day in WEEKDAYS},
    "sat": [["08:00", "12:00"]],
}
CENTRAL_HOURS: dict[str, Any] = {
    **{day: [["07:30", "17:00"]] for day in WEEKDAYS},
    "sat": [["08:00", "13:00"]],
}
EXPRESS_HOURS: dict[str, Any] = {
    **{day: [["08:00", "18:00"]] for day in WEEKDAYS},
    "sat": [["08:00", "14:00"]],
}
WORKSHOP_HOURS: dict[str, Any] = {day: [["06:00", "14:00"]] for day in WEEKDAYS}
COUNTER = ["cash", "remittances", "savings", "mail"]
FULL = ["cash", "remittances", "savings", "mail", "print"]

# code, kind, name, département, town, address, latitude, longitude, hours, services,
# print centre, float threshold (XAF)
OFFICES: list[dict[str, Any]] = [
    # Print centres first: the offices below name them.
    dict(code="BZV-CI", kind="print_centre", name="Centre d'impression de Brazzaville",
         department_code="BZV", town="Brazzaville",
         address="Avenue Amílcar Cabral, derrière l'Hôtel des Postes, Centre-ville",
         latitude=-4.2705, longitude=15.2815, opening_hours=WORKSHOP_HOURS,
         services=["mail", "print"], print_centre_code=None, float_threshold=0),
    dict(code="PNR-CI", kind="print_centre", name="Centre d'impression de Pointe-Noire",
         department_code="PNR", town="Pointe-Noire",
         address="Avenue Charles de Gaulle, Centre-ville",
         latitude=-4.7775, longitude=11.8650, opening_hours=WORKSHOP_HOURS,
         services=["mail", "print"], print_centre_code=None, float_threshold=0),
    # Brazzaville
    dict(code="BZV-CE", name="Bureau de poste central de Brazzaville (Hôtel des Postes)",
         department_code="BZV", town="Brazzaville",
         address="Avenue Amílcar Cabral, Centre-ville",
         latitude=-4.2697, longitude=15.2830, opening_hours=CENTRAL_HOURS,
         services=FULL, print_centre_code="BZV-CI", float_threshold=2_000_000),
    dict(code="BZV-PP", name="Bureau de poste de Poto-Poto",
         department_code="BZV", town="Brazzaville",
         address="Avenue de la Paix, Poto-Poto",
         latitude=-4.2580, longitude=15.2790, opening_hours=OFFICE_HOURS,
         services=COUNTER, print_centre_code="BZV-CI", float_threshold=500_000),
    dict(code="BZV-BC", name="Bureau de poste de Bacongo",
         department_code="BZV", town="Brazzaville",
         address="Avenue Matsoua, Bacongo",
         latitude=-4.2905, longitude=15.2640, opening_hours=OFFICE_HOURS,
         services=COUNTER, print_centre_code="BZV-CI", float_threshold=500_000),
    dict(code="BZV-MG", name="Bureau de poste de Moungali",
         department_code="BZV", town="Brazzaville",
         address="Avenue des Trois Martyrs, Moungali",
         latitude=-4.2530, longitude=15.2660, opening_hours=OFFICE_HOURS,
         services=COUNTER, print_centre_code="BZV-CI", float_threshold=400_000),
    dict(code="BZV-OZ", name="Bureau de poste de Ouenzé",
         department_code="BZV", town="Brazzaville",
         address="Avenue de la Tsiémé, Ouenzé",
         latitude=-4.2410, longitude=15.2770, opening_hours=OFFICE_HOURS,
         services=COUNTER, print_centre_code="BZV-CI", float_threshold=400_000),
    dict(code="BZV-TL", name="Bureau de poste de Talangaï",
         department_code="BZV", town="Brazzaville",
         address="Route nationale 2, Talangaï",
         latitude=-4.2170, longitude=15.2880, opening_hours=OFFICE_HOURS,
         services=COUNTER, print_centre_code="BZV-CI", float_threshold=400_000),
    dict(code="BZV-MK", name="Bureau de poste de Makélékélé",
         department_code="BZV", town="Brazzaville",
         address="Avenue de l'OUA, Makélékélé",
         latitude=-4.3010, longitude=15.2440, opening_hours=OFFICE_HOURS,
         services=COUNTER, print_centre_code="BZV-CI", float_threshold=400_000),
    dict(code="BZV-EMS", name="Agence EMS Post Express de Brazzaville",
         department_code="BZV", town="Brazzaville",
         address="Boulevard Denis Sassou Nguesso, Centre-ville",
         latitude=-4.2665, longitude=15.2850, opening_hours=EXPRESS_HOURS,
         services=["cash", "remittances", "mail"], print_centre_code="BZV-CI",
         float_threshold=300_000),
    # Pointe-Noire
    dict(code="PNR-CE", name="Bureau de poste central de Pointe-Noire",
         department_code="PNR", town="Pointe-Noire",
         address="Avenue Charles de Gaulle, Centre-ville",
         latitude=-4.7770, longitude=11.8630, opening_hours=CENTRAL_HOURS,
         services=FULL, print_centre_code="PNR-CI", float_threshold=1_500_000),
    dict(code="PNR-TP", name="Bureau de poste de Tié-Tié",
         department_code="PNR", town="Pointe-Noire",
         address="Avenue Marien Ngouabi, Tié-Tié",
         latitude=-4.7880, longitude=11.8800, opening_hours=OFFICE_HOURS,
         services=COUNTER, print_centre_code="PNR-CI", float_threshold=400_000),
    dict(code="PNR-LJ", name="Bureau de poste de Loandjili",
         department_code="PNR", town="Pointe-Noire",
         address="Route de Loandjili, Loandjili",
         latitude=-4.7560, longitude=11.8900, opening_hours=OFFICE_HOURS,
         services=COUNTER, print_centre_code="PNR-CI", float_threshold=300_000),
    dict(code="PNR-MV", name="Bureau de poste de Mvou-Mvou",
         department_code="PNR", town="Pointe-Noire",
         address="Avenue de l'Indépendance, Mvou-Mvou",
         latitude=-4.7900, longitude=11.8650, opening_hours=OFFICE_HOURS,
         services=COUNTER, print_centre_code="PNR-CI", float_threshold=300_000),
    # Niari: Dolisie, served from Pointe-Noire as in DEFAULT_MAIL_PRINT_CENTRES.
    dict(code="DOL-CE", name="Bureau de poste de Dolisie",
         department_code="NIA", town="Dolisie",
         address="Avenue de l'Indépendance, Centre-ville",
         latitude=-4.1980, longitude=12.6670, opening_hours=OFFICE_HOURS,
         services=COUNTER, print_centre_code="PNR-CI", float_threshold=300_000),
]  # fmt: skip


def seed_demo_network(session: Session) -> None:
    """The départements and offices above, each created once (an existing row is kept)."""
    for code, name, capital in DEPARTMENTS:
        if session.get(Department, code) is None:
            session.add(Department(code=code, name=name, capital=capital))
    session.flush()
    now = clock.now()
    for spec in OFFICES:
        if session.get(Office, spec["code"]) is None:
            values = {"kind": "post_office", "status": "open", **spec}
            session.add(Office(**values, created_at=now, updated_at=now))
            session.flush()
