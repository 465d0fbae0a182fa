"""Which words in capitals are ordinary English words and which are names and acronyms."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

# Capitalised words that are names of things, not raised voices. Tokens of one or two letters
# and tokens with digits (Q3, B2C, 10X, EC2A) are never shouting on their own.
ACRONYMS = frozenset("""
    ROI CRM CFO CEO CTO COO CMO CRO CIO CISO CPO CHRO CCO VP SVP EVP GM AE SDR BDR CSM AM PM
    USA UAE NYC EMEA APAC LATAM DACH NAM ANZ EU UK US USD EUR GBP CAD AUD CHF JPY INR
    B2B B2C D2C DTC SAAS PAAS IAAS API SDK CLI SQL CSV PDF URL HTML CSS JSON XML YAML HTTP HTTPS
    EOD EOW EOM EOQ EOY COB ASAP FYI TBD TBA FAQ ETA RSVP PS PPS NB AKA DIY OOO WFH
    AP AR GL ERP CPQ CMS CDP ESP DMP ATS HRIS HR LMS POS WMS TMS EDI SSO SAML MFA VPN
    ESG KPI KPIS OKR OKRS ARR MRR ACV TCV LTV CAC NPS CSAT SLA SLAS SOC GDPR CCPA HIPAA PCI DSS
    ISO IFRS GAAP SOX FP&A P&L M&A IPO VC PE LLC LLP LTD INC PLC GMBH AG SA SAS BV NV AB OY
    AI ML LLM LLMS NLP GPT GPU CPU IOT AR VR XR UX UI QA RFP RFI RFQ POC PO NDA MSA SOW DPA
    SEO SEM PPC CPC CPM CTR ROAS GTM ICP ABM MQL MQLS SQL SQLS SAL PLG SMB SMBS SME SMES
    OK TV PC IT ID CC BCC RE FW FWD AM PM EST PST CST MST GMT UTC CET BST
    AWS GCP IBM SAP HSBC KPMG PWC EY DHL UPS USPS FEDEX NASA NATO NYSE NASDAQ FIFA UEFA NFL NBA
    MLB NHL ESPN CNN BBC HBO AMD ARM ASML ADP NVIDIA IKEA LEGO BMW ASICS GEICO UNESCO UNICEF
    AARP USAA CVS NCR MSCI FDA OSHA FTC SEC IRS HMRC CRA GST VAT EIN CORP INC LLC LTD PLC GMBH
""".split())
# A lone capitalised word is shouting only when it is an ordinary English word ("NEEDS",
# "GUARANTEED"); a lone unknown one is far more often a name or an acronym we do not list
# ("HITEC", "SAASTR"). Ordinary = one of about 10,000 common English words (after stripping a
# common suffix) or in this list of words that sales copy shouts.
EMPHASIS_WORDS = frozenset("""
    guaranteed guarantee urgent urgently amazing exclusive exclusively limited deadline final
    critical crucial absolutely immediately instantly instant incredible massive insane
    revolutionary unbelievable mandatory important attention warning reminder expires expiring
    ending closing biggest proven definitely seriously literally totally completely everyone
    anything nothing everything huge hurry quickly fast act click claim grab secure reserve
    register respond reply call book opportunity chance offer special bonus discount savings
    winner winning congratulations congrats selected approved priority action required
    response overdue unlimited ultimate breaking announcement launch exciting excited
    awesome fantastic enormous powerful impossible obviously clearly
""".split())
_SUFFIXES = ("ies", "ing", "ed", "es", "s", "ly", "er", "est", "d")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """About 10,000 ordinary English words (see scripts/build_common_words.py)."""
    text = (Path(__file__).parents[2] / "data" / "common_words.txt").read_text(encoding="utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def is_common_word(word: str) -> bool:
    """Whether ``word`` (any case) is an ordinary English word rather than a name or acronym."""
    easy = common_words()
    lower = word.lower().replace("’", "'")
    if lower in EMPHASIS_WORDS or lower in easy:
        return True
    if "'" in lower:
        return True  # contractions: "DON'T", "LET'S", "YOU'RE"
    for suffix in _SUFFIXES:
        if lower.endswith(suffix) and len(lower) - len(suffix) >= 3:
            stem = lower[: -len(suffix)]
            if (stem in easy or stem + "e" in easy
                    or (suffix == "ies" and stem + "y" in easy)
                    or (len(stem) > 3 and stem[-1] == stem[-2] and stem[:-1] in easy)):
                return True
    return False
