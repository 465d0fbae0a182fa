"""People as the CRM records them: first names with their nicknames, and the areas job titles
name. What the identity kind compares a greeting's name and a stated title with.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from .records import normal, strip_accents

NICKNAMES = {
    "robert": {"bob", "rob", "robbie", "bobby"}, "elizabeth": {"liz", "beth", "lizzie", "eliza"},
    "william": {"will", "bill", "billy", "liam"}, "richard": {"rick", "rich", "dick"},
    "james": {"jim", "jimmy", "jamie"}, "michael": {"mike", "mick", "mikey"},
    "katherine": {"kate", "kathy", "katie", "kat"}, "catherine": {"cathy", "cat", "kate"},
    "margaret": {"maggie", "meg", "peggy"}, "jennifer": {"jen", "jenny"},
    "alexander": {"alex", "sasha"}, "alexandra": {"alex", "sasha", "lexi"},
    "christopher": {"chris"}, "christine": {"chris", "chrissy"}, "daniel": {"dan", "danny"},
    "david": {"dave"}, "edward": {"ed", "eddie", "ted"}, "joseph": {"joe", "joey"},
    "jonathan": {"jon", "jonny"}, "matthew": {"matt"}, "nicholas": {"nick", "nico"},
    "patricia": {"pat", "patty", "trish"}, "rebecca": {"becky", "becca"},
    "samuel": {"sam"}, "samantha": {"sam"}, "stephen": {"steve"}, "steven": {"steve"},
    "thomas": {"tom", "tommy"}, "victoria": {"vicky", "tori"}, "anthony": {"tony"},
    "benjamin": {"ben"}, "andrew": {"andy", "drew"}, "timothy": {"tim"},
    "abigail": {"abby"}, "deborah": {"deb", "debbie"}, "susan": {"sue", "suzy"},
    "oluwadamilare": {"dami"}, "oluwadamilola": {"dami"}, "gregory": {"greg"},
    "kenneth": {"ken", "kenny"}, "ronald": {"ron"}, "donald": {"don"}, "theodore": {"theo"},
    "frederick": {"fred", "freddie"}, "isabel": {"izzy", "bel"}, "isabella": {"bella", "izzy"},
}


def same_first_name(said: str, recorded: str) -> bool:
    """"Bob" is Robert, "Tomas" is Tomás, "Liz" is Elizabeth."""
    said, recorded = said.lower(), recorded.lower()
    if said == recorded or recorded.startswith(said) or said.startswith(recorded):
        return True
    if fuzz.ratio(strip_accents(said), strip_accents(recorded)) >= 90:
        return True
    return said in NICKNAMES.get(recorded, ()) or recorded in NICKNAMES.get(said, ())


# The areas job titles and roles name, each with the words (and acronyms) that name it: "CFO",
# "head of finance" and "Controller" are all finance.
TITLE_AREAS = {
    "finance": ("finance", "financial", "cfo", "accounting", "accountant", "controller",
                "comptroller", "treasury", "treasurer", "fpa", "bookkeeping", "bookkeeper", "tax",
                "audit", "payroll"),
    "people": ("people", "hr", "human", "talent", "recruiting", "recruitment", "recruiter",
               "hiring", "chro", "workforce", "personnel"),
    "sales": ("sales", "revenue", "commercial", "cro", "partnerships", "partnership", "alliances",
              "channel", "bizdev", "bd", "selling", "account"),
    "marketing": ("marketing", "cmo", "brand", "growth", "demand", "content", "communications",
                  "comms", "pr", "events", "event", "digital"),
    "operations": ("operations", "ops", "coo", "operating", "logistics", "fleet", "fulfilment",
                   "fulfillment", "warehouse", "warehousing", "supply", "transport",
                   "transportation", "revops"),
    "technology": ("technology", "technical", "engineering", "engineer", "cto", "cio", "it",
                   "software", "infrastructure", "devops", "platform", "developer",
                   "architecture"),
    "data": ("data", "analytics", "bi", "insights", "cdo"),
    "security": ("security", "ciso", "infosec", "cyber"),
    "product": ("product", "cpo", "ux", "design"),
    "procurement": ("procurement", "purchasing", "buying", "buyer", "sourcing", "vendor"),
    "facilities": ("facilities", "estates", "property", "workplace", "premises", "maintenance"),
    "legal": ("legal", "counsel", "attorney", "lawyer", "solicitor", "compliance", "risk", "gc"),
    "customer": ("customer", "success", "support", "service", "cx", "experience"),
    "medical": ("medical", "clinical", "nursing", "nurse", "physician", "doctor", "clinic"),
    "education": ("admissions", "enrolment", "enrollment", "academic", "curriculum", "student",
                  "dean", "registrar"),
    "executive": ("ceo", "president", "md", "gm", "executive", "managing"),
}
_AREA_OF_WORD = {word: area for area, words in TITLE_AREAS.items() for word in words}


def _title_areas(title: str) -> set[str]:
    areas = set()
    for word in normal(title).replace("&", " ").split():
        area = _AREA_OF_WORD.get(word) or _AREA_OF_WORD.get(word.rstrip("s"))
        if area:
            areas.add(area)
    return areas


def titles_agree(said: str, recorded: str) -> bool:
    """Titles (or a role: "the talent team") agree unless both name areas and share none: "head
    of marketing" and "VP Marketing" agree, "head of marketing" and "VP Sales" do not, and a
    founder or a "decision-maker" names no area to disagree with."""
    said_areas = _title_areas(said)
    recorded_areas = _title_areas(recorded)
    return not said_areas or not recorded_areas or bool(said_areas & recorded_areas)
