"""Indonesian region codes (docs INDONESIA.md, incl. the 2024 Papua codes) and Jakarta's city areas."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    """One region code: its name (the area the seed reports) and the island group."""

    code: str
    name: str
    island: str


def _table(island: str, entries: dict[str, str]) -> dict[str, Region]:
    return {code: Region(code, name, island) for code, name in entries.items()}


REGIONS: dict[str, Region] = {
    **_table(
        "Sumatra",
        {
            "BL": "Aceh",
            "BB": "North Sumatra west (Tapanuli, Nias)",
            "BK": "North Sumatra east (Medan, Deli Serdang)",
            "BA": "West Sumatra",
            "BM": "Riau",
            "BP": "Riau Islands",
            "BH": "Jambi",
            "BG": "South Sumatra",
            "BN": "Bangka-Belitung",
            "BD": "Bengkulu",
            "BE": "Lampung",
        },
    ),
    **_table(
        "West Java / Banten / Jakarta",
        {
            "A": "Banten",
            "B": "Jakarta/Metro Jaya",
            "D": "Bandung/Cimahi",
            "E": "Cirebon, Indramayu, Majalengka, Kuningan",
            "F": "Bogor, Sukabumi, Cianjur",
            "T": "Purwakarta, Karawang, Subang",
            "Z": "Garut, Tasikmalaya, Sumedang, Ciamis, Pangandaran, Banjar",
        },
    ),
    **_table(
        "Central Java / Yogyakarta",
        {
            "G": "Pekalongan, Tegal, Brebes, Batang, Pemalang",
            "H": "Semarang, Salatiga, Kendal, Demak",
            "K": "Pati, Kudus, Jepara, Rembang, Blora, Grobogan",
            "R": "Banyumas, Cilacap, Purbalingga, Banjarnegara",
            "AA": "Kedu (Magelang, Purworejo, Kebumen, Temanggung, Wonosobo)",
            "AD": "Surakarta",
            "AB": "Yogyakarta",
        },
    ),
    **_table(
        "East Java",
        {
            "L": "Surabaya",
            "M": "Madura",
            "N": "Malang, Batu, Pasuruan, Probolinggo, Lumajang",
            "P": "Besuki (Jember, Banyuwangi, Bondowoso, Situbondo)",
            "S": "Bojonegoro, Tuban, Lamongan, Mojokerto, Jombang",
            "W": "Gresik, Sidoarjo",
            "AE": "Madiun",
            "AG": "Kediri",
        },
    ),
    **_table(
        "Bali / Nusa Tenggara",
        {"DK": "Bali", "DR": "Lombok", "EA": "Sumbawa", "DH": "Timor", "EB": "Flores", "ED": "Sumba"},
    ),
    **_table(
        "Kalimantan",
        {
            "KB": "West Kalimantan",
            "DA": "South Kalimantan",
            "KH": "Central Kalimantan",
            "KT": "East Kalimantan",
            "KU": "North Kalimantan",
        },
    ),
    **_table(
        "Sulawesi",
        {
            "DB": "North Sulawesi (Manado, Minahasa, Bitung, Bolaang Mongondow)",
            "DL": "Sangihe, Talaud, Sitaro",
            "DM": "Gorontalo",
            "DN": "Central Sulawesi",
            "DD": "South Sulawesi south (Makassar, Gowa, Maros)",
            "DP": "South Sulawesi north (Parepare, Palopo, Toraja)",
            "DW": "Bone, Soppeng, Wajo, Sinjai",
            "DC": "West Sulawesi",
            "DT": "Southeast Sulawesi",
        },
    ),
    **_table(
        "Maluku / Papua",
        {
            "DE": "Maluku",
            "DG": "North Maluku",
            "PA": "Papua",
            "PB": "West Papua",
            "PY": "Southwest Papua",
            "PS": "South Papua",
            "PT": "Central Papua",
            "DS": "Papua (historic)",
        },
    ),
}

# Series that are not regions but are valid plate prefixes.
SPECIAL_SERIES: dict[str, Region] = _table(
    "Special series",
    {"RI": "State officials", "CD": "Diplomatic corps", "CC": "Consular corps"},
)

JAKARTA_AREAS: dict[str, str] = {
    "B": "Jakarta Barat",
    "P": "Jakarta Pusat",
    "S": "Jakarta Selatan",
    "T": "Jakarta Timur",
    "U": "Jakarta Utara",
}


def lookup(code: str) -> Region | None:
    """The region (or special series) for a plate prefix, None when unknown."""
    key = code.upper()
    return REGIONS.get(key) or SPECIAL_SERIES.get(key)


def is_known(code: str) -> bool:
    """True when the prefix is a region code or a special series."""
    return lookup(code) is not None


def jakarta_area(region_code: str, suffix: str) -> str:
    """Jakarta's city area named by the first suffix letter of a "B" plate, else ""."""
    if region_code.upper() != "B" or not suffix:
        return ""
    return JAKARTA_AREAS.get(suffix[0].upper(), "")
