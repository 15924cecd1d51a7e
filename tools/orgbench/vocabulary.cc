#include "tools/orgbench/vocabulary.h"

#include <algorithm>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace coopnet::orgbench {
namespace {

using organisations::v1::Organisation;
using organisations::v1::SearchOrganisationsRequest;

struct Language {
  const char* tag;
  const char* organisation_words[kOrganisationWords];  // association, foundation, network, centre
  const char* municipality;
  const char* sentence;
  const char* themes[kThemes];  // in the order of kThemeSlugs
};

constexpr const char* kThemeSlugs[kThemes] = {
    "youth",  "culture",        "green-transition", "social-inclusion", "education",
    "health", "digitalisation", "democracy",        "migration",        "rural-development"};

// English first: every description has an English sentence.
constexpr Language kLanguages[] = {
    {"en",
     {"Association", "Foundation", "Network", "Centre"},
     "Municipality of",
     "We work on {1} and {2} in {3} and the surrounding region, and look for partners abroad "
     "for exchanges and joint projects.",
     {"youth work", "culture", "green transition", "social inclusion", "education", "health",
      "digitalisation", "democracy", "migration", "rural development"}},
    {"da",
     {"Foreningen", "Fonden", "Netværket", "Centret"},
     "Kommune",
     "Vi arbejder med {1} og {2} i {3} og omegn og søger partnere i udlandet til udvekslinger "
     "og fælles projekter.",
     {"ungdomsarbejde", "kultur", "grøn omstilling", "social inklusion", "uddannelse", "sundhed",
      "digitalisering", "demokrati", "migration", "landdistriktsudvikling"}},
    {"sv",
     {"Föreningen", "Stiftelsen", "Nätverket", "Centrum"},
     "Kommun",
     "Vi arbetar med {1} och {2} i {3} med omnejd och söker partner utomlands för utbyten och "
     "gemensamma projekt.",
     {"ungdomsarbete", "kultur", "grön omställning", "social inkludering", "utbildning", "hälsa",
      "digitalisering", "demokrati", "migration", "landsbygdsutveckling"}},
    {"nb",
     {"Foreningen", "Stiftelsen", "Nettverket", "Senteret"},
     "Kommune",
     "Vi jobber med {1} og {2} i {3} og omegn, og søker partnere i utlandet for utveksling og "
     "felles prosjekter.",
     {"ungdomsarbeid", "kultur", "grønn omstilling", "sosial inkludering", "utdanning", "helse",
      "digitalisering", "demokrati", "migrasjon", "distriktsutvikling"}},
    {"pl",
     {"Stowarzyszenie", "Fundacja", "Sieć", "Centrum"},
     "Gmina",
     "Działamy na rzecz: {1} i {2} w mieście {3} i w regionie; szukamy partnerów za granicą do "
     "wymian i wspólnych projektów.",
     {"praca z młodzieżą", "kultura", "zielona transformacja", "włączenie społeczne", "edukacja",
      "zdrowie", "cyfryzacja", "demokracja", "migracja", "rozwój obszarów wiejskich"}},
    {"de",
     {"Verein", "Stiftung", "Netzwerk", "Zentrum"},
     "Gemeinde",
     "Wir arbeiten zu {1} und {2} in {3} und Umgebung und suchen Partner im Ausland für "
     "Austausch und gemeinsame Projekte.",
     {"Jugendarbeit", "Kultur", "grüne Transformation", "soziale Inklusion", "Bildung",
      "Gesundheit", "Digitalisierung", "Demokratie", "Migration", "ländliche Entwicklung"}},
    {"fr",
     {"Association", "Fondation", "Réseau", "Centre"},
     "Commune de",
     "Nous travaillons sur {1} et {2} à {3} et dans la région, et cherchons des partenaires à "
     "l'étranger pour des échanges et des projets communs.",
     {"jeunesse", "culture", "transition verte", "inclusion sociale", "éducation", "santé",
      "numérique", "démocratie", "migration", "développement rural"}},
    {"es",
     {"Asociación", "Fundación", "Red", "Centro"},
     "Ayuntamiento de",
     "Trabajamos en {1} y {2} en {3} y su región, y buscamos socios en el extranjero para "
     "intercambios y proyectos conjuntos.",
     {"juventud", "cultura", "transición verde", "inclusión social", "educación", "salud",
      "digitalización", "democracia", "migración", "desarrollo rural"}},
    {"it",
     {"Associazione", "Fondazione", "Rete", "Centro"},
     "Comune di",
     "Lavoriamo su {1} e {2} a {3} e nella regione, e cerchiamo partner all'estero per scambi e "
     "progetti comuni.",
     {"giovani", "cultura", "transizione verde", "inclusione sociale", "istruzione", "salute",
      "digitalizzazione", "democrazia", "migrazione", "sviluppo rurale"}},
    {"nl",
     {"Vereniging", "Stichting", "Netwerk", "Centrum"},
     "Gemeente",
     "Wij werken aan {1} en {2} in {3} en omgeving en zoeken partners in het buitenland voor "
     "uitwisselingen en gezamenlijke projecten.",
     {"jongerenwerk", "cultuur", "groene transitie", "sociale inclusie", "onderwijs", "gezondheid",
      "digitalisering", "democratie", "migratie", "plattelandsontwikkeling"}},
    {"fi",
     {"Yhdistys", "Säätiö", "Verkosto", "Keskus"},
     "Kunta",
     "Työskentelemme teemoilla {1} ja {2} kaupungissa {3} ja lähialueella, ja etsimme "
     "kumppaneita ulkomailta vaihtoihin ja yhteishankkeisiin.",
     {"nuorisotyö", "kulttuuri", "vihreä siirtymä", "sosiaalinen osallisuus", "koulutus", "terveys",
      "digitalisaatio", "demokratia", "maahanmuutto", "maaseudun kehittäminen"}},
    {"cs",
     {"Spolek", "Nadace", "Síť", "Centrum"},
     "Obec",
     "Věnujeme se tématům {1} a {2} ve městě {3} a okolí a hledáme partnery v zahraničí pro "
     "výměny a společné projekty.",
     {"práce s mládeží", "kultura", "zelená transformace", "sociální začleňování", "vzdělávání",
      "zdraví", "digitalizace", "demokracie", "migrace", "rozvoj venkova"}},
    {"pt",
     {"Associação", "Fundação", "Rede", "Centro"},
     "Município de",
     "Trabalhamos em {1} e {2} em {3} e na região, e procuramos parceiros no estrangeiro para "
     "intercâmbios e projetos conjuntos.",
     {"juventude", "cultura", "transição verde", "inclusão social", "educação", "saúde",
      "digitalização", "democracia", "migração", "desenvolvimento rural"}},
};

struct Country {
  const char* code;
  const char* nuts_prefix;
  const char* working_language;
  const char* description_language;  // a tag of kLanguages
  const char* cities[kCitiesPerCountry];
};

constexpr Country kCountries[] = {
    {"AT", "AT", "de", "de", {"Wien", "Graz", "Linz", "Salzburg", "Innsbruck", "Klagenfurt"}},
    {"BE", "BE", "fr", "fr", {"Bruxelles", "Liège", "Namur", "Charleroi", "Mons", "Arlon"}},
    {"BG", "BG", "bg", "en", {"Sofia", "Plovdiv", "Varna", "Burgas", "Ruse", "Stara Zagora"}},
    {"CY", "CY", "el", "en", {"Nicosia", "Limassol", "Larnaca", "Paphos", "Paralimni", "Kyrenia"}},
    {"CZ", "CZ", "cs", "cs", {"Praha", "Brno", "Ostrava", "Plzeň", "Olomouc", "České Budějovice"}},
    {"DE", "DE", "de", "de", {"München", "Köln", "Düsseldorf", "Nürnberg", "Görlitz", "Lübeck"}},
    {"DK", "DK", "da", "da", {"København", "Aarhus", "Odense", "Aalborg", "Esbjerg", "Roskilde"}},
    {"EE", "EE", "et", "en", {"Tallinn", "Tartu", "Pärnu", "Narva", "Viljandi", "Rakvere"}},
    {"GR", "EL", "el", "en", {"Athína", "Thessaloníki", "Pátra", "Irákleio", "Lárisa", "Vólos"}},
    {"ES", "ES", "es", "es", {"Madrid", "Barcelona", "València", "Sevilla", "Zaragoza", "Málaga"}},
    {"FI", "FI", "fi", "fi", {"Helsinki", "Tampere", "Turku", "Oulu", "Jyväskylä", "Lahti"}},
    {"FR", "FR", "fr", "fr", {"Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Besançon"}},
    {"HR", "HR", "hr", "en", {"Zagreb", "Split", "Rijeka", "Osijek", "Zadar", "Pula"}},
    {"HU", "HU", "hu", "en", {"Budapest", "Debrecen", "Szeged", "Miskolc", "Pécs", "Győr"}},
    {"IE", "IE", "en", "en", {"Dublin", "Cork", "Galway", "Limerick", "Waterford", "Sligo"}},
    {"IT", "IT", "it", "it", {"Roma", "Milano", "Napoli", "Torino", "Bologna", "Forlì"}},
    {"LT", "LT", "lt", "en", {"Vilnius", "Kaunas", "Klaipėda", "Šiauliai", "Panevėžys", "Alytus"}},
    {"LU",
     "LU",
     "fr",
     "fr",
     {"Luxembourg", "Esch-sur-Alzette", "Differdange", "Dudelange", "Ettelbruck", "Diekirch"}},
    {"LV", "LV", "lv", "en", {"Rīga", "Daugavpils", "Liepāja", "Jelgava", "Jūrmala", "Ventspils"}},
    {"MT", "MT", "mt", "en", {"Valletta", "Birkirkara", "Mosta", "Qormi", "Żabbar", "Sliema"}},
    {"NL",
     "NL",
     "nl",
     "nl",
     {"Amsterdam", "Rotterdam", "Utrecht", "Groningen", "Eindhoven", "Den Haag"}},
    {"NO", "NO", "nb", "nb", {"Oslo", "Bergen", "Trondheim", "Tromsø", "Bodø", "Ålesund"}},
    {"PL", "PL", "pl", "pl", {"Gdańsk", "Toruń", "Kraków", "Łódź", "Wrocław", "Poznań"}},
    {"PT", "PT", "pt", "pt", {"Lisboa", "Porto", "Braga", "Coimbra", "Évora", "Faro"}},
    {"RO",
     "RO",
     "ro",
     "en",
     {"București", "Cluj-Napoca", "Iași", "Timișoara", "Constanța", "Brașov"}},
    {"SE", "SE", "sv", "sv", {"Örebro", "Göteborg", "Malmö", "Uppsala", "Västerås", "Umeå"}},
    {"SI", "SI", "sl", "en", {"Ljubljana", "Maribor", "Celje", "Kranj", "Koper", "Novo Mesto"}},
    {"SK",
     "SK",
     "sk",
     "en",
     {"Bratislava", "Košice", "Prešov", "Žilina", "Nitra", "Banská Bystrica"}},
    {"IS",
     "IS",
     "is",
     "en",
     {"Reykjavík", "Akureyri", "Hafnarfjörður", "Kópavogur", "Selfoss", "Ísafjörður"}},
    {"CH", "CH", "de", "de", {"Zürich", "Genève", "Basel", "Bern", "Lausanne", "Luzern"}},
};

constexpr const char* kSyllables[] = {"bal", "vis", "nor", "kal", "mer", "dan", "sol", "ter",
                                      "lin", "vek", "ros", "mar", "gar", "tor", "ven", "hel",
                                      "lum", "sat", "kor", "ami", "sta", "bro", "fen", "dal",
                                      "ost", "vel", "ran", "kil", "mon", "pra", "sen", "tul",
                                      "eka", "rin", "gol", "has", "jor", "lev", "nis", "val"};

// NGOs, associations and foundations are most of the directory; ministries the fewest.
constexpr const char* kKinds[] = {"NGO",
                                  "NGO",
                                  "NGO",
                                  "NGO",
                                  "ASSOCIATION",
                                  "ASSOCIATION",
                                  "ASSOCIATION",
                                  "FOUNDATION",
                                  "FOUNDATION",
                                  "MUNICIPALITY",
                                  "MUNICIPALITY",
                                  "MUNICIPALITY",
                                  "REGIONAL_AUTHORITY",
                                  "EDUCATION",
                                  "EDUCATION",
                                  "RESEARCH",
                                  "BUSINESS",
                                  "OTHER",
                                  "NATIONAL_AUTHORITY",
                                  "EU_INSTITUTION"};

int LanguageIndex(absl::string_view tag) {
  for (size_t i = 0; i < std::size(kLanguages); ++i) {
    if (tag == kLanguages[i].tag) return static_cast<int>(i);
  }
  return 0;
}

// The longest word of a phrase: what someone types for "grøn omstilling".
std::string LongestWord(absl::string_view phrase) {
  std::string longest;
  for (absl::string_view word : absl::StrSplit(phrase, ' ')) {
    if (word.size() > longest.size()) longest = std::string(word);
  }
  return longest;
}

// `word` with one letter inside dropped: the commonest typo.
std::string DropALetter(const std::string& word, std::mt19937_64& random) {
  if (word.size() < 5) return word;
  const size_t at = 1 + random() % (word.size() - 2);
  if (static_cast<unsigned char>(word[at]) >= 0x80) return word;  // keep UTF-8 whole
  return word.substr(0, at) + word.substr(at + 1);
}

Organisation::Kind KindOf(absl::string_view name) {
  Organisation::Kind kind = Organisation::NGO;
  Organisation::Kind_Parse(std::string(name), &kind);
  return kind;
}

}  // namespace

const Vocabulary& Vocabulary::Get() {
  static const Vocabulary* vocabulary = [] {
    auto* v = new Vocabulary;
    for (const Country& country : kCountries) {
      v->countries.push_back(country.code);
      v->nuts_prefixes.push_back(country.nuts_prefix);
      v->working_languages.push_back(country.working_language);
      v->description_languages.push_back(LanguageIndex(country.description_language) + 1);
      for (const char* city : country.cities) v->cities.push_back(city);
    }
    for (const Language& language : kLanguages) {
      v->languages.push_back(language.tag);
      for (const char* word : language.organisation_words) v->organisation_words.push_back(word);
      v->municipality_words.push_back(language.municipality);
      v->sentences.push_back(language.sentence);
      for (const char* phrase : language.themes) v->theme_phrases.push_back(phrase);
    }
    for (const char* slug : kThemeSlugs) v->themes.push_back(slug);
    for (const char* syllable : kSyllables) v->syllables.push_back(syllable);
    for (const char* kind : kKinds) v->kinds.push_back(kind);
    return v;
  }();
  return *vocabulary;
}

std::vector<SearchOrganisationsRequest> QueryMix(int count, uint64_t seed) {
  std::mt19937_64 random(seed);
  auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  std::vector<SearchOrganisationsRequest> mix;
  mix.reserve(count);
  for (int i = 0; i < count; ++i) {
    const Country& country = kCountries[pick(std::size(kCountries))];
    const Language& local = kLanguages[LanguageIndex(country.description_language)];
    const size_t theme = pick(kThemes);
    SearchOrganisationsRequest request;
    switch (i % 5) {
      case 0:  // a place, in a country, of a kind
        request.set_query(country.cities[pick(kCitiesPerCountry)]);
        request.add_countries(country.code);
        request.add_kinds(KindOf(kKinds[pick(std::size(kKinds))]));
        break;
      case 1:  // a theme in the country's language, partners wanted
        request.set_query(LongestWord(local.themes[theme]));
        request.add_countries(country.code);
        request.set_looking_for_partners(true);
        break;
      case 2:  // a theme in English, in a NUTS region, of a kind
        request.set_query(kLanguages[0].themes[theme]);
        request.set_nuts_prefix(absl::StrCat(country.nuts_prefix, 1 + pick(9)));
        request.add_kinds(KindOf(kKinds[pick(std::size(kKinds))]));
        break;
      case 3: {  // a name someone half remembers, of a kind, looking for partners
        std::string name = absl::StrCat(kSyllables[pick(std::size(kSyllables))],
                                        kSyllables[pick(std::size(kSyllables))],
                                        kSyllables[pick(std::size(kSyllables))]);
        name[0] = absl::ascii_toupper(name[0]);
        request.set_query(name);
        request.add_kinds(KindOf(kKinds[pick(std::size(kKinds))]));
        request.set_looking_for_partners(true);
        break;
      }
      default:  // a theme word with a typo, in a country, with a theme
        request.set_query(DropALetter(LongestWord(kLanguages[0].themes[theme]), random));
        request.add_countries(country.code);
        request.add_themes(kThemeSlugs[pick(kThemes)]);
        break;
    }
    mix.push_back(std::move(request));
  }
  return mix;
}

}  // namespace coopnet::orgbench
