#!/usr/bin/python3
"""The whole stack as the users' portals and integrators meet it.

The four services and the gateway run as their binaries on a PostgreSQL database each and
a Redis of this test's own; the demo loader fills them through the gateway; then, over
HTTP/JSON (as a regional authority's portal) and gRPC (as an integrator, with the
command-line client):

- the Copenhagen meeting: names and organisation registered before the deadline, refused
  after it with the time it closed;
- the Norwegian network's series of three meetings, seen by its members only, and its
  calendar;
- the Polish forum's statistics against its target of 160 participants, with seats kept
  for local governments and for NGOs;
- the Erasmus+ study visit linked to its grant, and the Polish grant exported as 360Giving;
- Region Örebro län: a member of REVES (a network across groups of countries), its
  inspiration day on culture and its international scholarship;
- BISER's search for NGOs "from other Baltic Sea region and EEA countries": country groups
  in partner search, partner requests and a call's eligibility, with reasons naming them;
- every mutating method called with organisation A's key, and with none, against
  organisation B's resources and in B's name: refused, and nothing of B's changes; the same
  calls with B's delegations to A succeed (but for what no delegation passes on), and are
  refused again once B revokes them.

Arguments: gateway organisations events registrations funding coopnet coopnet-demo
servers.sh. Needs COOPNET_TEST_PG_DSN (tests/run.sh sets it).
"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo

(GATEWAY, ORGANISATIONS, EVENTS, REGISTRATIONS, FUNDING, CLI, DEMO,
 SERVERS) = sys.argv[1:9]
PG_DSN = os.environ["COOPNET_TEST_PG_DSN"]
# One principal key per issuer: the gateway's and those of the services that call others.
KEYS = ",".join(f"{issuer}-portal:{issuer}:portal-e2e-{issuer}-key-0123456789-0123456789"
                for issuer in ("gateway", "events", "registrations", "funding"))
ADMIN_KEY = "cnk_admin_portal_e2e_0123456789abcdef0123456789"
PORTAL = "https://www.regionorebrolan.se"

work = tempfile.mkdtemp(prefix="coopnet-portal-")
processes = []
databases = []


def fail(message):
    raise AssertionError(message)


def check(condition, message):
    if not condition:
        fail(message)


def free_port():
    return subprocess.check_output([SERVERS, "free-port"], text=True).strip()


def psql(database, sql):
    subprocess.run(["psql", f"{PG_DSN} dbname={database}", "-qAtc", sql], check=True,
                   stdout=subprocess.DEVNULL)


def start(name, binary, args, env):
    log = open(os.path.join(work, f"{name}.log"), "w")
    full_env = dict(os.environ, **env)
    processes.append((name, subprocess.Popen([binary] + args, env=full_env, stdout=log,
                                             stderr=log)))


def wait_serving(address):
    subprocess.run([CLI, "wait", address, "60"], check=True, stdout=subprocess.DEVNULL)


# --- the stack -----------------------------------------------------------------------------

def start_stack():
    redis_port = free_port()
    subprocess.run([SERVERS, "redis-start", os.path.join(work, "redis"), redis_port], check=True,
                   stdout=subprocess.DEVNULL)
    common = {"COOPNET_REDIS_ADDRESS": f"127.0.0.1:{redis_port}",
              "COOPNET_PRINCIPAL_KEYS": KEYS,
              "COOPNET_MANAGE_TOKEN_SECRET": "portal-e2e-manage-token-secret-0123456789", "COOPNET_DRAIN_TIMEOUT": "2s",
              "COOPNET_METRICS_ADDRESS": "127.0.0.1:0", "COOPNET_MIGRATE_AT_START": "true"}
    ports = {}
    for service in ("organisations", "events", "registrations", "funding"):
        database = f"e2e_portal_{service}_{os.getpid()}"
        psql("postgres", f"CREATE DATABASE {database}")
        databases.append(database)
        ports[service] = free_port()
    peers = {"COOPNET_ORGANISATIONS_ADDRESS": f"127.0.0.1:{ports['organisations']}",
             "COOPNET_EVENTS_ADDRESS": f"127.0.0.1:{ports['events']}"}
    binaries = {"organisations": ORGANISATIONS, "events": EVENTS,
                "registrations": REGISTRATIONS, "funding": FUNDING}
    for service, binary in binaries.items():
        start(service, binary, ["serve"], dict(
            common, **peers, COOPNET_PG_DSN=f"{PG_DSN} dbname=e2e_portal_{service}_{os.getpid()}",
            COOPNET_GRPC_ADDRESS=f"127.0.0.1:{ports[service]}"))
    for service in binaries:
        wait_serving(f"127.0.0.1:{ports[service]}")
    grpc_port, http_port = free_port(), free_port()
    backends = ",".join(f"coopnet.{s}.v1=127.0.0.1:{p}" for s, p in ports.items())
    start("gateway", GATEWAY, [], dict(
        common, COOPNET_BACKENDS=backends, COOPNET_GRPC_ADDRESS=f"127.0.0.1:{grpc_port}",
        COOPNET_HTTP_ADDRESS=f"127.0.0.1:{http_port}", COOPNET_ADMIN_KEY=ADMIN_KEY,
        COOPNET_CORS_ORIGINS=PORTAL, COOPNET_KEY_RATE="0", COOPNET_ANONYMOUS_RATE="0",
        COOPNET_KEY_CACHE_TIME=f"{KEY_CACHE_SECONDS}s"))
    wait_serving(f"127.0.0.1:{grpc_port}")
    return f"127.0.0.1:{grpc_port}", f"http://127.0.0.1:{http_port}"


def stop_stack():
    for _, process in processes:
        process.kill()
        process.wait()
    subprocess.run([SERVERS, "redis-stop", os.path.join(work, "redis")],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for database in databases:
        subprocess.run(["psql", f"{PG_DSN} dbname=postgres", "-qc",
                        f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


GRPC, HTTP = None, None
# How long the gateway trusts a key's authentication (and the delegations in it).
KEY_CACHE_SECONDS = 1
# A delegation's expiry: a year from now (it may run three at most).
EXPIRE = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=365)).strftime(
    "%Y-%m-%dT%H:%M:%SZ")


def http(method, path, body=None, key=None, headers=None):
    """Returns (HTTP status, response headers, JSON answer or text)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(HTTP + path, data=data, method=method)
    request.add_header("Origin", PORTAL)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            status, answer_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, raw = error.code, error.headers, error.read()
    text = raw.decode()
    if answer_headers.get("Content-Type", "").startswith("application/json"):
        return status, answer_headers, json.loads(text) if text else {}
    return status, answer_headers, text


def ok(method, path, body=None, key=ADMIN_KEY):
    status, _, answer = http(method, path, body, key)
    check(status == 200, f"{method} {path}: HTTP {status} {answer}")
    return answer


def grpc(method, request, key):
    """Calls through the gateway over gRPC: (True, answer) or (False, google.rpc.Status)."""
    env = {name: value for name, value in os.environ.items() if name != "COOPNET_API_KEY"}
    if key:
        env["COOPNET_API_KEY"] = key
    else:
        env["COOPNET_CALLER"] = "anonymous"
    result = subprocess.run([CLI, "call", GRPC, method, json.dumps(request)], text=True,
                            capture_output=True, env=env)
    if result.returncode == 0:
        return True, json.loads(result.stdout)
    try:
        return False, json.loads(result.stderr)
    except json.JSONDecodeError:
        return False, {"message": result.stderr}


def make_key(organisation, label, scopes=("SCOPE_READ", "SCOPE_WRITE")):
    answer = ok("POST", f"/v1/{organisation}/apiKeys",
                {"displayName": label, "scopes": list(scopes)})
    return answer["key"]


# --- scenarios -----------------------------------------------------------------------------

def load_demo():
    result = subprocess.run([DEMO, GRPC], text=True, capture_output=True,
                            env=dict(os.environ, COOPNET_API_KEY=ADMIN_KEY))
    check(result.returncode == 0, f"the demo did not load: {result.stderr}")
    made = dict(line.split("\t") for line in result.stdout.splitlines())
    again = subprocess.run([DEMO, GRPC], text=True, capture_output=True,
                           env=dict(os.environ, COOPNET_API_KEY=ADMIN_KEY))
    check(again.returncode == 0, f"the demo did not load a second time: {again.stderr}")
    check(dict(line.split("\t") for line in again.stdout.splitlines()) == made,
          "loading the demo again made new things instead of returning the first ones")
    organisations = ok("GET", "/v1/organisations?pageSize=100")["organisations"]
    check(len(organisations) == len([v for v in made.values()
                                     if v.startswith("organisations/") and v.count("/") == 1]),
          "a second load made more organisations")
    claims = [i for o in organisations for i in o.get("identifiers", [])]
    check(claims and all(i.get("state") == "VERIFIED" for i in claims),
          f"the demo's identifiers are not all verified: {claims}")
    return made


def copenhagen(made):
    meeting = made["copenhagen_meeting"]
    print("Copenhagen: register names and organisation over HTTP before the deadline")
    body = {
        "organisationName": "Dansk Kvindesamfund Amager", "organisationCountry": "DK",
        "organisationKind": "ASSOCIATION",
        "participants": [{"givenName": "Birgitte", "familyName": "Nørgaard",
                          "email": "birgitte.norgaard@example.org", "preferredLanguage": "da"},
                         {"givenName": "Søren", "familyName": "Ågård",
                          "email": "soren.agard@example.org"}],
        "answers": [{"question": "experience", "yes": False}]}
    status, headers, first = http("POST", f"/v1/{meeting}/registrations", body)
    check(status == 200, f"registration refused: {status} {first}")
    check(first["state"] == "CONFIRMED", f"not confirmed: {first}")
    check(first["manageToken"].startswith("cnr_"), "no manage token for the registrant")
    check(headers.get("Access-Control-Allow-Origin") == PORTAL, "the portal's origin is not allowed")
    token = first["manageToken"]
    status, seen_headers, seen = http("GET", f"/v1/{first['name']}",
                                      headers={"X-Coopnet-Manage-Token": token})
    check(status == 200 and seen["participants"][1]["familyName"] == "Ågård",
          f"the registrant cannot see the registration with the token: {status} {seen}")
    check("manageToken" not in seen, "the manage token is shown twice")
    check(seen_headers.get("Cache-Control") == "no-store",
          "a registrant's personal data may be kept by caches")
    status, _, refused = http("GET", f"/v1/{first['name']}?manageToken={urllib.parse.quote(token)}")
    check(status == 400 and "X-Coopnet-Manage-Token" in refused.get("message", ""),
          f"a manage token in the URL, where logs keep it, was not refused: {status} {refused}")
    status, _, _ = http("GET", f"/v1/{first['name']}")
    check(status in (403, 404), f"without the token a stranger sees the registration: {status}")
    status, _, again = http("POST", f"/v1/{meeting}/registrations", body)
    check(status == 409 and again["code"] == 6,
          f"the same e-mail registered twice: {status} {again}")
    # "Torsdag den 13. oktober kl. 16.30 ... tilmelding senest mandag den 10. oktober."
    copenhagen_time = zoneinfo.ZoneInfo("Europe/Copenhagen")
    local = lambda t: datetime.datetime.fromisoformat(t.replace("Z", "+00:00")).astimezone(
        copenhagen_time)
    starts = local(ok("GET", f"/v1/{meeting}", key=None)["startTime"])
    closes = local(ok("GET", f"/v1/{meeting}/registrationPolicy", key=None)["closeTime"])
    check(starts.strftime("%A %H:%M") == "Thursday 16:30",
          f"the meeting is not on a Thursday at 16:30: {starts}")
    check(closes.strftime("%A %H:%M") == "Monday 23:59" and (starts.date() - closes.date()).days == 3,
          f"registration does not close the Monday before: {closes}")

    print("Copenhagen: the organiser closes registration; the next one is refused")
    kofoeds_key = make_key(made["kofoeds"], "Kofoeds Skole website",
                           ("SCOPE_READ", "SCOPE_WRITE", "SCOPE_REGISTRATIONS"))
    policy = ok("GET", f"/v1/{meeting}/registrationPolicy", key=kofoeds_key)
    # The demo's three registrations hold four seats; this one two more.
    check(policy["seats"]["confirmed"] == 6, f"seats taken: {policy['seats']}")
    closed = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) - \
        datetime.timedelta(minutes=1)
    closed_at = closed.strftime("%Y-%m-%dT%H:%M:%SZ")
    ok("PATCH", f"/v1/{meeting}/registrationPolicy?updateMask=closeTime",
       {"name": f"{meeting}/registrationPolicy", "closeTime": closed_at}, key=kofoeds_key)
    late = {"organisationName": "Foreningen Nordlys", "organisationCountry": "DK",
            "participants": [{"givenName": "Ida", "familyName": "Juhl",
                              "email": "ida.juhl@example.org"}],
            "answers": [{"question": "experience", "yes": True}]}
    status, _, refused = http("POST", f"/v1/{meeting}/registrations", late)
    check(status == 400 and refused["code"] == 9, f"a late registration was not refused: {status} "
          f"{refused}")
    in_copenhagen = closed.astimezone(zoneinfo.ZoneInfo("Europe/Copenhagen"))
    check(in_copenhagen.strftime("closed at %Y-%m-%d %H:%M (Europe/Copenhagen)") in
          refused["message"], f"the refusal does not say when it closed: {refused['message']}")
    ok_grpc, answer = grpc("coopnet.registrations.v1.RegistrationService/CreateRegistration",
                           {"parent": meeting, "registration": late}, kofoeds_key)
    check(not ok_grpc and answer.get("code") == 9,
          f"over gRPC a late registration was not refused: {answer}")


def hordaland(made):
    print("Norway: the network's series of three meetings, for its members")
    series = made["hordaland_series"]
    bergen_key = make_key(made["bergen"], "Bergen kommune intranet")
    path = f"/v1/events?series={urllib.parse.quote(series)}"
    meetings = ok("GET", path, key=bergen_key).get("events", [])
    check(len(meetings) == 3, f"a member sees {len(meetings)} meetings of the series, not 3")
    starts = [m["startTime"] for m in meetings]
    check(starts == sorted(starts), f"the meetings are not in order: {starts}")
    check(all(m["series"] == series and m["visibility"] == "NETWORK" for m in meetings),
          "a meeting is not in the network's series")
    status, _, anonymous = http("GET", path)
    check(status == 200 and not anonymous.get("events"),
          f"anonymous callers see the network's meetings: {anonymous}")
    status, headers, calendar = http("GET", f"/v1/events:calendar?filter.series={urllib.parse.quote(series)}",
                                     key=bergen_key, headers={"Accept": "text/calendar"})
    check(status == 200 and headers.get("Content-Type", "").startswith("text/calendar"),
          f"no calendar: {status} {headers.get('Content-Type')}")
    # The later two are known as "June" and "autumn/winter" only: listed at their month and
    # season, with no calendar entry and no registration until their days are set.
    precisions = [m.get("datePrecision", "EXACT") for m in meetings]
    check(precisions == ["EXACT", "MONTH", "SEASON"], f"the meetings' dates: {precisions}")
    check(calendar.count("BEGIN:VEVENT") == 1, "the calendar holds a meeting with no day yet")
    check("Europe/Oslo" in calendar, "the calendar loses the meetings' time zone")
    june = meetings[1]
    local = datetime.datetime.fromisoformat(june["startTime"].replace("Z", "+00:00")).astimezone(
        zoneinfo.ZoneInfo("Europe/Oslo"))
    check(local.day == 1 and local.hour == 0, f"the June meeting does not span its month: {local}")
    status, _, refused = http("POST", f"/v1/{june['name']}/registrations", {
        "organisation": made["bergen"], "participants": [
            {"givenName": "Kari", "familyName": "Nordmann", "email": "kari@bergen.kommune.no"}]},
        make_key(made["bergen"], "Bergen kommune registrations",
                 ("SCOPE_READ", "SCOPE_WRITE", "SCOPE_REGISTRATIONS")))
    reasons = [d.get("reason") for d in refused.get("details", [])]
    check(status == 400 and "EVENT_NOT_DATED" in reasons,
          f"a registration for a meeting with no day yet: {status} {refused}")
    policy = ok("GET", f"/v1/{june['name']}/registrationPolicy", key=bergen_key)
    check("closeTime" in policy, f"the June meeting has no registration deadline: {policy}")
    ok_grpc, answer = grpc("coopnet.events.v1.EventService/ListEvents", {"series": series},
                           bergen_key)
    check(ok_grpc and len(answer.get("events", [])) == 3,
          f"over gRPC the series has {len(answer.get('events', []))} meetings")


def newcomers(made):
    print("Denmark: a newcomer joins the open network by itself; a mentor stands by")
    network = made["ngo_network"]
    amager = ok("POST", "/v1/organisations", {
        "displayName": "Dansk Kvindesamfund Amager", "kind": "ASSOCIATION", "country": "DK"})
    amager_key = make_key(amager["name"], "Dansk Kvindesamfund Amager")
    joined = ok("POST", f"/v1/{network}/members", {
        "organisation": amager["name"], "role": "MEMBER"}, key=amager_key)
    check(joined["state"] == "ACTIVE", f"a newcomer waits to join an open network: {joined}")
    members = ok("GET", f"/v1/{network}/members", key=amager_key)["memberships"]
    roles = {m["organisation"]: m["role"] for m in members}
    check(roles.get(made["wisti"]) == "MENTOR", f"no mentor in the network: {roles}")
    check(roles.get(amager["name"]) == "MEMBER", f"the newcomer is not listed: {roles}")
    status, _, refused = http("POST", f"/v1/{network}/members", {
        "organisation": made["biser"], "role": "MENTOR"}, amager_key)
    check(status == 403, f"a newcomer named another a mentor: {status} {refused}")


def orebro(made):
    print("Sweden: Region Örebro län in REVES, its inspiration day and culture scholarship")
    orebro_key = make_key(made["orebro"], "Region Örebro län, regional utveckling")
    mine = ok("GET", f"/v1/{made['orebro']}/networks", key=orebro_key)["memberships"]
    reves = [m for m in mine if m["name"].startswith(made["reves_network"] + "/")]
    check(len(reves) == 1 and reves[0]["state"] == "ACTIVE",
          f"Örebro is not a member of REVES: {mine}")
    # REVES works across the EU and the EEA's donors: a search for networks in Sweden
    # finds it by its groups; Hordaland's Norwegian network is not in Sweden.
    swedish = [n["name"] for n in ok("GET", "/v1/networks?countries=SE&pageSize=100",
                                     key=orebro_key)["networks"]]
    check(made["reves_network"] in swedish and made["hordaland_network"] not in swedish,
          f"networks working in Sweden: {swedish}")
    day = ok("GET", f"/v1/{made['inspiration_day']}", key=orebro_key)
    check(day["title"]["translations"]["sv"].startswith("Inspirationsdag") and
          "culture" in day["themes"] and day["organiser"] == made["orebro"],
          f"the inspiration day: {day}")
    scholarship = ok("GET", f"/v1/{made['scholarship']}", key=orebro_key)
    check(scholarship["kind"] == "SCHOLARSHIP" and
          scholarship["eligibility"]["nutsRegions"] == ["SE124"],
          f"the scholarship is not Örebro county's: {scholarship}")


def participants(prefix, count):
    return [{"givenName": "Uczestnik", "familyName": f"{prefix} {i}",
             "email": f"{prefix.lower()}.{i}@example.org"} for i in range(count)]


def register_group(forum, name, kind, people, key=None):
    status, _, answer = http("POST", f"/v1/{forum}/registrations", {
        "organisationName": name, "organisationCountry": "PL", "organisationKind": kind,
        "participants": people}, key)
    check(status == 200, f"{name}: {status} {answer}")
    return answer


def polish_forum(made):
    print("Poland: the forum fills up to its target of 160, local governments and NGOs alike")
    forum = made["forum"]
    urzad_key = make_key(made["urzad"], "Urząd Marszałkowski portal")

    def seats_by_kind():
        statistics = ok("GET", f"/v1/{forum}/registrationStatistics", key=urzad_key)
        confirmed = {}
        for kind in statistics.get("organisationKinds", []):
            confirmed[kind["organisationKind"]] = kind.get("participants", 0)
        return statistics, confirmed

    # The marshal's office takes the groups' word for their kind (the demo's policy says
    # so): portals register gminas and NGOs in free text, and their seats count at once.
    policy = ok("GET", f"/v1/{forum}/registrationPolicy", key=None)
    check(policy.get("selfDeclaredKind") == "COUNTS", f"self-declared kinds: {policy}")
    _, confirmed = seats_by_kind()
    public = confirmed.get("MUNICIPALITY", 0) + confirmed.get("REGIONAL_AUTHORITY", 0)
    civic = confirmed.get("NGO", 0) + confirmed.get("ASSOCIATION", 0) + confirmed.get(
        "FOUNDATION", 0)
    for side, kind, have in (("Gmina", "MUNICIPALITY", public), ("Fundacja", "FOUNDATION", civic)):
        left, group = 80 - have, 0
        while left > 0:
            size = min(10, left)
            answer = register_group(forum, f"{side} {group}", kind,
                                    participants(f"{side}{group}", size))
            check(answer["state"] == "CONFIRMED", f"{side} {group} is {answer['state']}")
            left -= size
            group += 1
    late = register_group(forum, "Gmina Kowalewo Pomorskie", "MUNICIPALITY",
                          participants("Kowalewo", 1))
    check(late["state"] == "WAITLISTED", f"a registration past the 80 seats is {late['state']}")
    statistics, confirmed = seats_by_kind()
    states = {s["state"]: s.get("participants", 0) for s in statistics.get("states", [])}
    check(states.get("CONFIRMED") == 160, f"confirmed participants {states} are not the target 160")
    check(states.get("WAITLISTED") == 1, f"waitlisted {states}")
    check(confirmed.get("MUNICIPALITY", 0) + confirmed.get("REGIONAL_AUTHORITY", 0) == 80 and
          confirmed.get("NGO", 0) + confirmed.get("ASSOCIATION", 0) +
          confirmed.get("FOUNDATION", 0) == 80, f"per kind: {confirmed}")
    countries = {c["country"]: c.get("participants", 0) for c in statistics.get("countries", [])}
    check(countries.get("PL") == 160, f"per country: {countries}")
    status, headers, csv = http("GET", f"/v1/{forum}/registrations:export", key=urzad_key)
    check(status == 200 and headers.get("Content-Type", "").startswith("text/csv"),
          f"no CSV export: {status}")
    check(len(csv.strip().splitlines()) == 1 + 161, "the export is not one row per participant")


def study_visit(made):
    print("The Erasmus+ study visit and its grant; the Polish grant as 360Giving")
    visit = ok("GET", f"/v1/{made['study_visit']}")
    check(visit.get("award") == made["study_visit_grant"], f"the visit's grant: {visit.get('award')}")
    award = ok("GET", f"/v1/{visit['award']}")
    check(award["programme"] == made["erasmus"], "the grant is not Erasmus+")
    programme = ok("GET", f"/v1/{award['programme']}")
    check(programme["title"]["translations"]["en"] == "Erasmus+", "the programme is not Erasmus+")
    check(award["amount"] == {"currencyCode": "EUR", "units": "24000"}, f"amount {award['amount']}")
    # A page of the 360Giving document, with the token of the next page beside it.
    export = ok("GET", "/v1/awards:export", key=None)
    check(export["contentType"] == "application/json", f"export: {export['contentType']}")
    grants = json.loads(export["json"])["grants"]
    check(len(grants) == 2, f"{len(grants)} grants exported, not the demo's 2")
    text = json.dumps(grants, ensure_ascii=False)
    polish = next((g for g in grants if "INTER-EKiP" in g["title"]), None)
    check(polish is not None, f"the Polish grant is not in the 360Giving export: {text}")
    check(polish["amountAwarded"] == 85200 and polish["currency"] == "PLN" and
          polish["awardDate"] == "2014-03-14", f"the Polish grant: {polish}")
    check(polish["recipientOrganization"][0]["id"] == "PL-KRS-0000312586",
          f"recipient: {polish['recipientOrganization']}")
    matches = ok("GET", f"/v1/{made['kofoeds']}:matchCalls")
    calls = [m["call"]["name"] for m in matches.get("matches", [])]
    check(made["mobility"] in calls, f"the open Erasmus+ call is not matched for Kofoeds: {calls}")
    mobility = ok("GET", f"/v1/{made['mobility']}", key=None)
    check(mobility.get("url", "").startswith("https://erasmus-plus.ec.europa.eu/") and
          [d["title"] for d in mobility.get("documents", [])] == ["Erasmus+ Programme Guide"],
          f"the Erasmus+ call does not link its page and its guide: {mobility}")
    status, _, refused = http("PATCH", f"/v1/{made['mobility']}?updateMask=documents", {
        "documents": [{"title": "Guide", "url": "http://erasmus-plus.ec.europa.eu/guide"}]},
        ADMIN_KEY)
    check(status == 400 and "documents[0].url" in refused["message"],
          f"a document over plain http was not refused: {status} {refused}")


def biser(made):
    print("Poland: BISER looks for NGOs in the Baltic Sea region and the EEA's donor states")
    groups = ok("GET", "/v1/countryGroups", key=None)
    by_code = {g["code"]: g for g in groups["countryGroups"]}
    check(groups.get("version") and {"EU27", "EEA", "EEA_EFTA", "INTERREG_BSR",
                                     "INTERREG_NORTH_SEA", "INTERREG_CENTRAL_EUROPE"} <= set(by_code),
          f"the country groups: {sorted(by_code)}")
    bsr = by_code["INTERREG_BSR"]
    check("PL" in bsr["countries"] and "DE8" in bsr["regions"] and "DE" not in bsr["countries"],
          f"the Baltic Sea region is not Poland and Mecklenburg-Vorpommern without all Germany: {bsr}")
    check(by_code["EEA_EFTA"]["countries"] == ["IS", "LI", "NO"], f"{by_code['EEA_EFTA']}")

    # NGOs in and around the area: the seed names the area, not its NGOs.
    biser, kofoeds = made["biser"], made["kofoeds"]
    ngos = {}
    for label, name, country, region in (
            ("rostock", "Verein Ostseekultur Rostock", "DE", "DE803"),
            ("munich", "Verein Münchner Freiwillige", "DE", "DE212"),
            ("tromso", "Frivilligsentralen i Tromsø", "NO", "NO074"),
            ("zurich", "Verein Zürcher Freiwillige", "CH", "CH040")):
        ngos[label] = ok("POST", "/v1/organisations", {
            "displayName": name, "kind": "NGO", "country": country, "nutsRegion": region,
            "themes": ["civil-society"], "lookingForPartners": True})["name"]
    biser_key = make_key(biser, "BISER ENGAGE!")
    area = "countries=INTERREG_BSR&countries=EEA_EFTA"
    found = [hit["organisation"] for hit in ok(
        "GET", f"/v1/organisations:search?{area}&kinds=NGO&pageSize=100",
        key=biser_key).get("results", [])]
    names = {o["name"] for o in found}
    wanted = {ngos["rostock"], ngos["tromso"], kofoeds}
    check(wanted <= names and not names & {ngos["munich"], ngos["zurich"]},
          f"partner search over the Baltic Sea region and the EEA donors: {names}")
    check(all(o["country"] in ("DK", "EE", "FI", "LT", "LV", "PL", "SE", "IS", "LI", "NO") or
              o.get("nutsRegion", "")[:3] in bsr["regions"] or
              o.get("nutsRegion", "")[:4] in bsr["regions"] for o in found),
          f"partner search found organisations outside the area: {found}")
    # With text, the words are looked up in each country, the regions still confining Germany.
    found = ok("GET", f"/v1/organisations:search?query=verein&{area}", key=biser_key)
    check([hit["organisation"]["name"] for hit in found.get("results", [])] == [ngos["rostock"]],
          f"'verein' in the area: {found}")
    status, _, refused = http("GET", "/v1/organisations:search?countries=BALTIC", key=biser_key)
    check(status == 400 and "countries[0]" in refused["message"] and
          "INTERREG_BSR" in refused["message"], f"an unknown area: {status} {refused}")

    request = ok("GET", f"/v1/{made['engage_request']}", key=biser_key)
    check(request["countries"] == ["INTERREG_BSR", "EEA_EFTA"],
          f"the request does not keep the groups it names: {request}")
    seen_from_norway = ok("GET", "/v1/partnerRequests:search?countries=NO&pageSize=100",
                          key=biser_key)["partnerRequests"]
    check(request["name"] in [r["name"] for r in seen_from_norway],
          "a request wanting the EEA's donors is not found by one looking from Norway")
    matches = ok("GET", f"/v1/{request['name']}:matchPartners?pageSize=100",
                 key=biser_key)["matches"]
    why = {m["organisation"]["name"]: next(r for r in m["reasons"] if r["criterion"] == "countries")
           for m in matches}
    check(why[ngos["rostock"]].get("met") and "(INTERREG_BSR)" in why[ngos["rostock"]]["explanation"],
          f"Rostock's reason: {why.get(ngos['rostock'])}")
    check(why[ngos["tromso"]].get("met") and "(EEA_EFTA)" in why[ngos["tromso"]]["explanation"],
          f"Tromsø's reason: {why.get(ngos['tromso'])}")
    check(not why.get(ngos["munich"], {}).get("met"), "Munich meets the request's area")

    print("Poland: Tromsø answers BISER's request; addresses are shown once BISER accepts")
    tromso_key = make_key(ngos["tromso"], "Frivilligsentralen")
    ingrid = {"name": "Ingrid Hansen", "email": "ingrid@frivilligtromso.no",
              "phone": "+47 77 60 00 00"}
    sent = ok("POST", f"/v1/{biser}/interests", {
        "organisation": ngos["tromso"], "partnerRequest": request["name"],
        "message": "Vi lærer opp frivillige i små byer og deler gjerne erfaringene.",
        "languages": ["nb", "en"], "proposedRole": "PARTNER", "contact": ingrid},
        key=tromso_key)
    check(sent["state"] == "PENDING" and sent["contact"] == ingrid,
          f"the sender does not see its own interest: {sent}")
    # Everything BISER can read before it accepts hides Tromsø's contact person.
    before = [ok("GET", f"/v1/{sent['name']}", key=biser_key),
              *ok("GET", f"/v1/{biser}/interests", key=biser_key)["interests"]]
    check(all("contact" not in i for i in before) and
          "ingrid" not in json.dumps(before).lower(),
          f"BISER sees Tromsø's contact person before accepting: {before}")
    for key in (make_key(made["voss"], "Voss, a stranger to it"), None):
        status, _, _ = http("GET", f"/v1/{sent['name']}", key=key)
        check(status in (401, 404), f"a stranger reads the interest: {status}")
    status, _, refused = http("POST", f"/v1/{sent['name']}:accept",
                              {"replyContact": ingrid}, tromso_key)
    check(status == 403, f"the sender accepted its own interest: {status} {refused}")
    ewa = {"name": "Ewa Wiśniewska", "email": "ewa.wisniewska@biser.org.pl"}
    accepted = ok("POST", f"/v1/{sent['name']}:accept", {
        "replyContact": ewa, "replyMessage": "Zapraszamy! Welcome to ENGAGE!"}, key=biser_key)
    check(accepted["state"] == "ACCEPTED" and accepted["contact"] == ingrid and
          accepted["replyContact"] == ewa, f"BISER's acceptance: {accepted}")
    seen = ok("GET", f"/v1/{sent['name']}", key=tromso_key)
    check(seen.get("replyContact") == ewa, f"Tromsø does not see BISER's contact: {seen}")

    print("Poland: a declined interest forgets its contact person; one sender, 20 a day")
    munich_key = make_key(ngos["munich"], "Münchner Freiwillige")
    declined = ok("POST", f"/v1/{biser}/interests", {
        "organisation": ngos["munich"], "partnerRequest": request["name"],
        "message": "Wir möchten mitmachen.", "contact": {
            "name": "Lena Huber", "email": "lena@freiwillige-muenchen.de"}}, key=munich_key)
    ok("POST", f"/v1/{declined['name']}:decline", {
        "replyMessage": "ENGAGE! looks for partners in the Baltic Sea region."}, key=biser_key)
    forgotten = ok("GET", f"/v1/{declined['name']}")
    check(forgotten["state"] == "DECLINED" and "contact" not in forgotten,
          f"a declined interest keeps its contact person: {forgotten}")
    zurich_key = make_key(ngos["zurich"], "Zürcher Freiwillige")
    answers = []
    for attempt in range(21):
        status, _, answer = http("POST", f"/v1/{kofoeds}/interests", {
            "organisation": ngos["zurich"], "message": f"Hallo ({attempt})",
            "contact": {"name": "Urs Meier", "email": "urs@freiwillige-zh.ch"}}, zurich_key)
        answers.append(status)
        if status == 200:
            ok("POST", f"/v1/{answer['name']}:withdraw", {}, key=zurich_key)
    check(answers == [200] * 20 + [429] and "TOO_MANY_INTERESTS" in json.dumps(answer),
          f"one sender's 21 interests in a day: {answers} {answer}")

    # A call for the same area: a Baltic Sea NGO or an EEA donor's may lead, Munich not.
    programme = ok("POST", "/v1/programmes", {
        "funder": made["commission"], "level": "EU",
        "title": {"translations": {"en": "Interreg Baltic Sea Region"}, "defaultLanguage": "en"}})
    call = ok("POST", "/v1/calls", {
        "programme": programme["name"], "identifier": "BSR-SMALL-2027", "kind": "GRANT",
        "title": {"translations": {"en": "Small projects for civil society"},
                  "defaultLanguage": "en"},
        "openTime": "2026-01-01T00:00:00Z", "deadline": "2031-03-31T21:59:00Z",
        "timeZone": "Europe/Warsaw", "totalBudget": {"currencyCode": "EUR", "units": "2000000"},
        "eligibility": {"countries": ["INTERREG_BSR", "EEA_EFTA"], "leadKinds": ["NGO"]}})
    ok("POST", f"/v1/{call['name']}:publish", {})

    def match(organisation):
        answer = ok("GET", f"/v1/{organisation}:matchCalls?includeUnleadable=true&pageSize=100",
                    key=biser_key)
        return next((m for m in answer.get("matches", []) if m["call"]["name"] == call["name"]),
                    None)

    for label, group in (("rostock", "INTERREG_BSR"), ("tromso", "EEA_EFTA")):
        found = match(ngos[label])
        reason = found and next(r for r in found["reasons"] if r["criterion"] == "lead_country")
        check(found and found.get("eligible") and f"({group})" in reason["explanation"],
              f"{label} for the Baltic call: {found}")
    found = match(ngos["munich"])
    check(found and not found.get("eligible"), f"Munich may lead the Baltic call: {found}")

    # Events by area too: the Toruń forum is in Central Europe, the Copenhagen meeting not.
    central = ok("GET", "/v1/events?countries=INTERREG_CENTRAL_EUROPE&pageSize=100",
                 key=biser_key)["events"]
    names = [e["name"] for e in central]
    check(made["forum"] in names and made["copenhagen_meeting"] not in names,
          f"events in Central Europe: {names}")


# --- BOLA: organisation A's key against organisation B's resources --------------------------

O, N, K, P, D = ("coopnet.organisations.v1.OrganisationService/",
                 "coopnet.organisations.v1.NetworkService/",
                 "coopnet.organisations.v1.ApiKeyService/",
                 "coopnet.organisations.v1.PartnerRequestService/",
                 "coopnet.organisations.v1.DelegationService/")
E, R, F = ("coopnet.events.v1.EventService/", "coopnet.registrations.v1.RegistrationService/",
           "coopnet.funding.v1.FundingService/")
I = "coopnet.organisations.v1.InterestService/"
# What no delegation passes on: an organisation's keys, its delegations, its identifiers'
# verification and its deletion stay with its own (admin) keys and the operators.
NOT_DELEGABLE = {O + "DeleteOrganisation", O + "VerifyIdentifier", O + "UnverifyIdentifier",
                 K + "CreateApiKey", K + "RevokeApiKey", K + "ListApiKeys",
                 D + "CreateDelegation", D + "RevokeDelegation", D + "ListDelegations",
                 D + "GetDelegation"}
# The organisations whose resources the matrix reaches for; each delegates all to Voss.
GRANTORS = ("kofoeds", "groen", "hordaland", "mfa")


def bola_fixture(made, tag):
    """Fresh resources of Kofoeds, Grøn Hverdag, Hordaland and the ministry for one pass
    of the matrix, each in the state its method acts on."""
    kofoeds, groen, hordaland, mfa = (made[o] for o in GRANTORS)
    kofoeds_key = make_key(kofoeds, f"Kofoeds {tag}")
    groen_key = make_key(groen, f"Grøn Hverdag {tag}")
    hordaland_key = make_key(hordaland, f"Hordaland {tag}")
    text = lambda language, words: {"translations": {language: f"{words} ({tag})"},
                                    "defaultLanguage": language}
    fx = {}
    fx["api_key"] = ok("POST", f"/v1/{kofoeds}/apiKeys", {
        "displayName": f"Kofoeds booking {tag}", "scopes": ["SCOPE_READ"]})["apiKey"]["name"]
    held = ok("GET", f"/v1/{kofoeds}/delegations").get("delegations", [])
    fx["delegation"] = next((d["name"] for d in held
                             if d["delegate"] == groen and d["state"] == "ACTIVE"), None) or ok(
        "POST", f"/v1/{kofoeds}/delegations", {
            "delegate": groen, "scopes": ["REGISTRATIONS_WRITE"], "purpose": "Forum registrations",
            "expireTime": EXPIRE})["name"]
    fx["partner_request"] = ok("POST", f"/v1/{kofoeds}/partnerRequests", {
        "title": text("en", "Partners for a youth exchange"), "themes": ["social-inclusion"],
        "countries": ["FI", "SE"], "kinds": ["NGO"]})["name"]
    # Expressions of interest in Kofoeds' request, from three senders, awaiting it.
    for name, sender in (("interest", groen), ("declined_interest", hordaland),
                         ("withdrawn_interest", mfa)):
        fx[name] = ok("POST", f"/v1/{kofoeds}/interests", {
            "organisation": sender, "partnerRequest": fx["partner_request"],
            "message": f"We would like to join ({tag})", "proposedRole": "PARTNER",
            "contact": {"name": "Mette Lund", "email": f"{name}.{tag}@example.org"}})["name"]
    fx["kofoeds_network"] = ok("POST", "/v1/networks", {
        "title": text("da", "Nordisk ungdomsnetværk"), "coordinator": kofoeds,
        "countries": ["DK"], "admission": "OPEN"})["name"]
    network = ok("POST", "/v1/networks", {
        "title": text("nn", "Kommunenettverk for klima"), "coordinator": hordaland,
        "countries": ["NO", "DK"], "admission": "BY_INVITATION"})["name"]
    fx["hordaland_network"] = network
    for member in (made["bergen"], kofoeds):  # an operator acts for both sides at once
        membership = ok("POST", f"/v1/{network}/members", {"organisation": member,
                                                           "role": "MEMBER"})
        fx.setdefault("bergen_membership", membership["name"])
    fx["invitation"] = ok("POST", f"/v1/{network}/members", {
        "organisation": groen, "role": "MEMBER"}, key=hordaland_key)["name"]

    def event(key, organiser, title, **fields):
        return ok("POST", "/v1/events", dict({
            "title": text("da", title), "kind": "NETWORK_MEETING", "organiser": organiser,
            "timeZone": "Europe/Copenhagen", "startTime": "2031-03-06T15:00:00Z",
            "endTime": "2031-03-06T17:00:00Z", "attendanceMode": "ONLINE",
            "onlineUrl": "https://ngo-netvaerk.dk/moede"}, **fields), key=key)["name"]

    # Kofoeds' meeting, proposed to Hordaland's network with Grøn Hverdag as co-organiser.
    meeting = event(kofoeds_key, kofoeds, "Klimamøde", network=network, coOrganisers=[groen])
    fx["meeting"] = meeting
    ok("PATCH", f"/v1/{meeting}/registrationPolicy?updateMask=capacity,approvalRequired",
       {"name": f"{meeting}/registrationPolicy", "capacity": 40, "approvalRequired": True})
    ok("POST", f"/v1/{meeting}:publish", {})
    fx["co_event"] = event(groen_key, groen, "Grøn hverdag", coOrganisers=[kofoeds])
    fx["draft_event"] = event(ADMIN_KEY, kofoeds, "Netværksmøde")
    fx["deleted_event"] = event(ADMIN_KEY, kofoeds, "Aflyst møde")
    fx["series"] = ok("POST", "/v1/series", {"title": text("nn", "Klimamøte"),
                                             "organiser": hordaland, "network": network})["name"]
    for name in ("registration", "rejected"):
        fx[name] = ok("POST", f"/v1/{meeting}/registrations", {
            "organisation": groen, "participants": [{
                "givenName": "Mette", "familyName": "Lund",
                "email": f"mette.{name}.{tag}@groenhverdag.dk"}]})["name"]

    fx["programme"] = ok("POST", "/v1/programmes", {
        "funder": mfa, "title": text("pl", "Współpraca regionów"), "level": "NATIONAL"})["name"]
    call = lambda identifier: ok("POST", "/v1/calls", {
        "programme": fx["programme"], "identifier": f"{identifier}-{tag}",
        "title": text("pl", "Konkurs"), "kind": "GRANT", "openTime": "2026-01-01T00:00:00Z",
        "deadline": "2031-02-01T00:00:00Z", "timeZone": "Europe/Warsaw",
        "totalBudget": {"currencyCode": "PLN", "units": "100000"}})["name"]
    fx["call"] = call("WSPR")
    ok("POST", f"/v1/{fx['call']}:publish", {})
    fx["draft_call"] = call("WSPR-DRAFT")
    for name in ("application", "withdrawn"):  # Grøn Hverdag is asked, not yet a partner
        fx[name] = ok("POST", "/v1/applications", {
            "call": fx["call"], "title": f"Grøn hverdag i Norden ({tag})", "language": "pl",
            "requestedAmount": {"currencyCode": "PLN", "units": "40000"},
            "totalCost": {"currencyCode": "PLN", "units": "50000"},
            "participants": [{"organisation": kofoeds, "role": "LEAD"},
                             {"organisation": groen, "role": "PARTNER"}]}, key=kofoeds_key)["name"]
    fx["award"] = ok("POST", "/v1/awards", {
        "recipient": made["europa"], "programme": fx["programme"], "title": f"Europa ({tag})",
        "amount": {"currencyCode": "PLN", "units": "50000"},
        "awardDate": {"year": 2026, "month": 1, "day": 1}})["name"]
    return fx


def bola_matrix(made, fx):
    """Every method a caller could use on the fixture's resources or in their owners' names,
    in an order in which each succeeds for one allowed to make it."""
    kofoeds, groen, mfa = made["kofoeds"], made["groen"], made["mfa"]
    meeting, registration, application = fx["meeting"], fx["registration"], fx["application"]
    title = {"translations": {"en": "Taken over"}, "defaultLanguage": "en"}
    return [
        (O + "UpdateOrganisation", {"organisation": {"name": kofoeds, "displayName": "Kofoeds Skole"},
                                    "updateMask": "displayName"}),
        (O + "DeleteOrganisation", {"name": kofoeds}),
        (O + "VerifyIdentifier", {"name": kofoeds,
                                  "identifier": {"scheme": "DK-CVR", "value": "12345678"}}),
        (O + "UnverifyIdentifier", {"name": kofoeds,
                                    "identifier": {"scheme": "DK-CVR", "value": "12345678"}}),
        (K + "CreateApiKey", {"parent": kofoeds, "apiKey": {"displayName": "mine",
                                                            "scopes": ["SCOPE_WRITE"]}}),
        (K + "RevokeApiKey", {"name": fx["api_key"]}),
        (D + "CreateDelegation", {"parent": kofoeds, "delegation": {
            "delegate": made["urzad"], "scopes": ["EVENTS_WRITE"], "purpose": "Voss says so",
            "expireTime": EXPIRE}}),
        (D + "RevokeDelegation", {"name": fx["delegation"]}),
        (N + "CreateNetwork", {"network": {"title": title, "coordinator": kofoeds,
                                           "countries": ["DK"], "admission": "OPEN"}}),
        (N + "UpdateNetwork", {"network": {"name": fx["kofoeds_network"], "title": title},
                               "updateMask": "title"}),
        (N + "AddMember", {"parent": fx["hordaland_network"],
                           "membership": {"organisation": made["europa"], "role": "MEMBER"}}),
        (N + "AcceptMembership", {"name": fx["invitation"]}),
        (N + "RemoveMember", {"name": fx["bergen_membership"]}),
        (N + "DeleteNetwork", {"name": fx["kofoeds_network"]}),
        (P + "CreatePartnerRequest", {"parent": kofoeds, "partnerRequest": {
            "title": title, "themes": ["culture"], "countries": ["NO"]}}),
        (P + "UpdatePartnerRequest", {"partnerRequest": {"name": fx["partner_request"],
                                                         "title": title},
                                      "updateMask": "title"}),
        (I + "CreateInterest", {"parent": made["hordaland"], "interest": {
            "organisation": kofoeds, "message": "Voss says Kofoeds wants to", "contact": {
                "name": "Ola Voss", "email": "ola@voss.herad.no"}}}),
        (I + "GetInterest", {"name": fx["interest"]}),
        (I + "ListInterests", {"parent": kofoeds}),
        (I + "AcceptInterest", {"name": fx["interest"], "replyContact": {
            "name": "Ola Voss", "email": "ola@voss.herad.no"}}),
        (I + "DeclineInterest", {"name": fx["declined_interest"]}),
        (I + "WithdrawInterest", {"name": fx["withdrawn_interest"]}),
        (P + "DeletePartnerRequest", {"name": fx["partner_request"]}),
        (E + "CreateEvent", {"event": {"title": title, "kind": "WORKSHOP", "organiser": kofoeds,
                                       "timeZone": "Europe/Oslo",
                                       "startTime": "2031-05-05T08:00:00Z",
                                       "endTime": "2031-05-05T10:00:00Z",
                                       "attendanceMode": "ONLINE",
                                       "onlineUrl": "https://voss.herad.no/mote"}}),
        (E + "UpdateEvent", {"event": {"name": meeting, "title": title}, "updateMask": "title"}),
        (E + "AcceptCoOrganiser", {"name": fx["co_event"], "organisation": kofoeds}),
        (E + "AcceptPlacement", {"name": meeting}),
        (E + "DeclinePlacement", {"name": meeting}),
        (E + "WithdrawCoOrganiser", {"name": meeting, "organisation": groen}),
        (E + "PublishEvent", {"name": fx["draft_event"]}),
        (E + "DeleteEvent", {"name": fx["deleted_event"]}),
        (E + "RescheduleEvent", {"name": meeting, "startTime": "2031-05-05T08:00:00Z",
                                 "endTime": "2031-05-05T10:00:00Z"}),
        (E + "CreateSeries", {"series": {"title": title, "organiser": kofoeds,
                                         "network": made["ngo_network"]}}),
        (E + "UpdateSeries", {"series": {"name": fx["series"], "title": title},
                              "updateMask": "title"}),
        (E + "DeleteSeries", {"name": fx["series"]}),
        (R + "UpdateRegistrationPolicy", {"policy": {"name": f"{meeting}/registrationPolicy",
                                                     "capacity": 1000},
                                          "updateMask": "capacity"}),
        (R + "CreateRegistration", {"parent": meeting, "registration": {
            "organisation": kofoeds, "participants": [
                {"givenName": "Ola", "familyName": "Voss", "email": "ola@voss.herad.no"}]}}),
        (R + "ApproveRegistration", {"name": registration}),
        (R + "RejectRegistration", {"name": fx["rejected"], "reason": "full"}),
        (R + "CheckInParticipants", {"name": registration}),
        (R + "ListRegistrations", {"parent": meeting}),
        (R + "GetRegistration", {"name": registration}),
        (R + "GetEventStatistics", {"name": f"{meeting}/registrationStatistics"}),
        (R + "ListOrganisationRegistrations", {"organisation": groen}),
        (R + "CancelRegistration", {"name": registration}),
        (F + "CreateProgramme", {"programme": {"funder": mfa, "title": title,
                                               "level": "NATIONAL"}}),
        (F + "UpdateProgramme", {"programme": {"name": fx["programme"], "title": title},
                                 "updateMask": "title"}),
        (F + "CreateCall", {"call": {"programme": fx["programme"], "identifier": "VOSS-1",
                                     "title": title, "kind": "GRANT",
                                     "openTime": "2031-01-01T00:00:00Z",
                                     "deadline": "2031-02-01T00:00:00Z",
                                     "timeZone": "Europe/Warsaw",
                                     "totalBudget": {"currencyCode": "PLN", "units": "1"}}}),
        (F + "UpdateCall", {"call": {"name": fx["call"], "title": title},
                            "updateMask": "title"}),
        (F + "PublishCall", {"name": fx["draft_call"]}),
        (F + "CreateApplication", {"application": {
            "call": fx["call"], "title": "Voss as Kofoeds",
            "participants": [{"organisation": kofoeds, "role": "LEAD"},
                             {"organisation": made["voss"], "role": "PARTNER"}]}}),
        (F + "UpdateApplication", {"application": {"name": application, "title": "Mine now"},
                                   "updateMask": "title"}),
        (F + "GetApplication", {"name": application}),
        (F + "AcceptPartnership", {"name": application, "organisation": groen}),
        (F + "SubmitApplication", {"name": application}),
        (F + "ReviewApplication", {"name": application}),
        (F + "DecideApplication", {"name": application, "decision": "REJECT"}),
        (F + "WithdrawPartnership", {"name": fx["withdrawn"], "organisation": groen}),
        (F + "WithdrawApplication", {"name": fx["withdrawn"]}),
        (F + "CreateAward", {"award": {"recipient": made["voss"], "programme": fx["programme"],
                                       "title": "Voss", "amount": {"currencyCode": "PLN",
                                                                   "units": "1000000"},
                                       "awardDate": {"year": 2026, "month": 1, "day": 1}}}),
        (F + "UpdateAward", {"award": {"name": fx["award"], "title": "Voss"},
                             "updateMask": "title"}),
        (K + "ListApiKeys", {"parent": kofoeds}),
        (D + "ListDelegations", {"parent": kofoeds}),
        (D + "GetDelegation", {"name": fx["delegation"]}),
        (E + "CancelEvent", {"name": meeting, "reason": "Voss says so"}),
    ]


def snapshot_paths(made, fx):
    kofoeds, meeting = made["kofoeds"], fx["meeting"]
    return [
        f"/v1/{kofoeds}", f"/v1/{kofoeds}/apiKeys", f"/v1/{kofoeds}/delegations",
        f"/v1/{kofoeds}/partnerRequests", f"/v1/{fx['partner_request']}", "/v1/networks",
        f"/v1/{kofoeds}/interests", f"/v1/{fx['interest']}", f"/v1/{fx['declined_interest']}",
        f"/v1/{fx['withdrawn_interest']}",
        f"/v1/{fx['kofoeds_network']}", f"/v1/{fx['hordaland_network']}/members",
        f"/v1/{meeting}", f"/v1/{fx['co_event']}", f"/v1/{fx['draft_event']}",
        f"/v1/{fx['deleted_event']}", f"/v1/events?organiser={kofoeds}&pageSize=100",
        "/v1/series", f"/v1/{fx['series']}", f"/v1/{meeting}/registrationPolicy",
        f"/v1/{meeting}/registrations", f"/v1/{fx['registration']}", f"/v1/{fx['rejected']}",
        "/v1/programmes", f"/v1/{fx['programme']}", "/v1/calls?pageSize=100",
        f"/v1/{fx['call']}", f"/v1/{fx['draft_call']}", "/v1/applications?pageSize=100",
        f"/v1/{fx['application']}", f"/v1/{fx['withdrawn']}", "/v1/awards?pageSize=100",
        f"/v1/{fx['award']}",
    ]


def all_refused(made, fx, key, who):
    """Every call of the matrix with `key` (`who`) is refused and changes none of the fixture."""
    paths = snapshot_paths(made, fx)
    snapshot = lambda: {path: ok("GET", path) for path in paths}
    before = snapshot()
    matrix = bola_matrix(made, fx)
    # NOT_FOUND, PERMISSION_DENIED; and without a key, UNAUTHENTICATED.
    refusals, http_refusals = ((5, 7), (403, 404)) if key else ((5, 7, 16), (401, 403, 404))
    allowed = []
    for method, request in matrix:
        granted, answer = grpc(method, request, key)
        code = answer.get("code") if not granted else 0
        if granted or code not in refusals:
            allowed.append(f"{method}: {'OK' if granted else answer}")
    check(not allowed, f"{who} reached B's resources:\n  " + "\n  ".join(allowed))
    meeting, application = fx["meeting"], fx["application"]
    # The same over HTTP for a sample of routes.
    for verb, path, body in (("PATCH", f"/v1/{meeting}?updateMask=title", {"title": {
                                 "translations": {"en": "Taken over"}, "defaultLanguage": "en"}}),
                             ("POST", f"/v1/{meeting}:cancel", {"reason": "x"}),
                             ("DELETE", f"/v1/{fx['kofoeds_network']}", None),
                             ("GET", f"/v1/{meeting}/registrations:export", None),
                             ("POST", f"/v1/{application}:submit", {})):
        status, _, answer = http(verb, path, body, key)
        check(status in http_refusals, f"HTTP {verb} {path} with {who}: {status} {answer}")
    after = snapshot()
    changed = [path for path in paths if before[path] != after[path]]
    check(not changed, f"B's resources changed: {changed}")
    return len(matrix), len(paths)


def bola(made):
    print("Every method with Voss herad's key against other organisations' resources")
    voss_key = make_key(made["voss"], "Voss herad",
                        ("SCOPE_READ", "SCOPE_WRITE", "SCOPE_REGISTRATIONS"))
    fx = bola_fixture(made, "refused")
    matrix = bola_matrix(made, fx)
    # Open to anybody by design: a new organisation of one's own, a registration for a
    # public event (anonymous portals do it).
    public_by_design = {O + "CreateOrganisation", R + "CreateRegistration"}
    # Personal data requests are scoped to the caller's own events: for Voss, none.
    scoped = [(R + "ExportPersonalData", {"email": "mette.lund@example.org"}, "registrations"),
              (R + "ErasePersonalData", {"email": "mette.lund@example.org"}, "registrations")]

    # Every mutating method of the public API is in the matrix (a new one must be added).
    catalog = ok("GET", "/openapi.json", key=None)
    mutating = set()
    for operations in catalog["paths"].values():
        for verb, operation in operations.items():
            if verb in ("post", "patch", "put", "delete"):
                service, method = operation["operationId"].split("_", 1)
                mutating.add(method)
    covered = {m.rsplit("/", 1)[1] for m, _ in matrix} | {
        m.rsplit("/", 1)[1] for m in public_by_design} | {
        m.rsplit("/", 1)[1] for m, _, _ in scoped}
    check(not mutating - covered, f"mutating methods missing from the matrix: {mutating - covered}")

    granted, mette = grpc(R + "ExportPersonalData", {"email": "mette.lund@example.org"}, ADMIN_KEY)
    check(granted and len(mette.get("registrations", [])) == 1,
          f"the administrator does not find the demo's participant: {mette}")
    for method, request, found in scoped:
        granted, answer = grpc(method, request, voss_key)
        check(granted and not answer.get(found), f"{method} for another's participant: {answer}")
    for key, who in ((voss_key, "Voss herad's key"), (None, "no key")):
        methods, views = all_refused(made, fx, key, who)
        print(f"  with {who}: {methods} methods refused; {views} views of B unchanged")
    return voss_key


def bola_delegated(made, voss_key):
    print("The same matrix succeeds for Voss with the owners' delegations, and not after "
          "their revocation")
    fx = bola_fixture(made, "delegated")
    delegations = [ok("POST", f"/v1/{made[grantor]}/delegations", {
        "delegate": made["voss"], "purpose": "Voss runs the office for the matrix",
        "scopes": ["EVENTS_WRITE", "REGISTRATIONS_WRITE", "FUNDING_WRITE", "ORGANISATIONS_WRITE"],
        "expireTime": EXPIRE})["name"] for grantor in GRANTORS]
    probe = lambda: http("GET", f"/v1/{fx['application']}", key=voss_key)
    status, _, answer = within_key_cache_time(probe, 200)
    check(status == 200, f"the delegations do not reach the gateway: {status} {answer}")
    wrong = []
    for method, request in bola_matrix(made, fx):
        granted, answer = grpc(method, request, voss_key)
        if method in NOT_DELEGABLE:
            if granted or answer.get("code") not in (5, 7):
                wrong.append(f"{method} passed on by a delegation: {answer}")
        elif not granted:
            wrong.append(f"{method}: {answer}")
    check(not wrong, "with the owners' delegations:\n  " + "\n  ".join(wrong))
    # What the calls did, as the owners see it.
    outcome = {
        "application": ok("GET", f"/v1/{fx['application']}")["state"],
        "withdrawn": ok("GET", f"/v1/{fx['withdrawn']}")["state"],
        "meeting": ok("GET", f"/v1/{fx['meeting']}")["state"],
        "registration": ok("GET", f"/v1/{fx['registration']}")["state"],
        "rejected": ok("GET", f"/v1/{fx['rejected']}")["state"],
        "series": http("GET", f"/v1/{fx['series']}", key=ADMIN_KEY)[0],
        "kofoeds_network": http("GET", f"/v1/{fx['kofoeds_network']}", key=ADMIN_KEY)[0],
        "interests": [ok("GET", f"/v1/{fx[i]}")["state"]
                      for i in ("interest", "declined_interest", "withdrawn_interest")],
    }
    check(outcome == {"application": "REJECTED", "withdrawn": "WITHDRAWN", "meeting": "CANCELLED",
                      "registration": "CANCELLED", "rejected": "REJECTED", "series": 404,
                      "kofoeds_network": 404, "interests": ["ACCEPTED", "DECLINED", "WITHDRAWN"]},
          f"the delegated calls did not all take: {outcome}")
    print(f"  {len(bola_matrix(made, fx)) - len(NOT_DELEGABLE)} methods succeeded; "
          f"{len(NOT_DELEGABLE)} stay with the owners")

    for delegation in delegations:
        ok("POST", f"/v1/{delegation}:revoke", {})
    fx = bola_fixture(made, "revoked")
    status, _, _ = within_key_cache_time(
        lambda: http("GET", f"/v1/{fx['application']}", key=voss_key), 404)
    check(status == 404, f"Voss still reads Kofoeds' application after the revocation: {status}")
    methods, views = all_refused(made, fx, voss_key, "Voss herad's key, the delegations revoked")
    print(f"  after the revocation: {methods} methods refused; {views} views of B unchanged")


# --- Trust: acting for an organisation ------------------------------------------------------

def trust(made):
    print("Trust: nobody takes a ministry's seats or publishes in another's name")
    forum, mfa, urzad, kofoeds = made["forum"], made["mfa"], made["urzad"], made["kofoeds"]
    before = ok("GET", f"/v1/{forum}/registrationStatistics")
    grab = {"organisation": mfa, "participants": participants("Minister", 3)}
    status, _, refused = http("POST", f"/v1/{forum}/registrations", grab)
    check(status == 403 and refused.get("details", [{}])[0].get("reason") ==
          "NOT_ACTING_FOR_ORGANISATION", f"an anonymous caller registered as the ministry: "
          f"{status} {refused}")
    check(mfa in refused["message"], f"the refusal does not name the ministry: {refused}")
    urzad_key = make_key(urzad, "Urząd portal", ("SCOPE_READ", "SCOPE_WRITE",
                                                 "SCOPE_REGISTRATIONS"))
    status, _, refused = http("POST", f"/v1/{forum}/registrations", grab, urzad_key)
    check(status == 403, f"another organisation's key registered as the ministry: {status}")
    check(ok("GET", f"/v1/{forum}/registrationStatistics") == before,
          "a refused registration changed the forum's statistics")

    meeting = {"title": {"translations": {"da": "Netværksmøde"}, "defaultLanguage": "da"},
               "kind": "NETWORK_MEETING", "organiser": kofoeds,
               "timeZone": "Europe/Copenhagen", "startTime": "2031-04-03T15:00:00Z",
               "endTime": "2031-04-03T17:00:00Z", "attendanceMode": "ONLINE",
               "onlineUrl": "https://ngo-netvaerk.dk/moede"}
    status, _, refused = http("POST", "/v1/events", meeting, urzad_key)
    check(status == 403 and kofoeds in refused["message"],
          f"Urząd published an event in Kofoeds' name: {status} {refused}")

    print("Trust: with Kofoeds' delegation the portal publishes for it, until revoked")
    kofoeds_admin = make_key(kofoeds, "Kofoeds admin", ("SCOPE_ADMIN",))
    delegation = ok("POST", f"/v1/{kofoeds}/delegations", {
        "delegate": urzad, "scopes": ["EVENTS_WRITE"], "purpose": "Forum side events",
        "expireTime": EXPIRE}, key=kofoeds_admin)
    check(delegation["state"] == "ACTIVE", f"the delegation: {delegation}")
    held = ok("GET", f"/v1/organisations/-/delegations?delegate={urzad}", key=urzad_key)
    check(delegation["name"] in [d["name"] for d in held["delegations"]],
          f"Urząd does not see the delegation it holds: {held}")
    # The gateway learns of a new delegation, as of a revocation, within its key cache time.
    status, _, published = within_key_cache_time(
        lambda: http("POST", "/v1/events", meeting, urzad_key), 200)
    check(status == 200 and published["organiser"] == kofoeds,
          f"with the delegation the portal still cannot publish for Kofoeds: {status} {published}")
    ok("POST", f"/v1/{delegation['name']}:revoke", {}, key=kofoeds_admin)
    status, _, _ = within_key_cache_time(lambda: http("POST", "/v1/events", meeting, urzad_key),
                                         403)
    check(status == 403, "the portal still publishes for Kofoeds after the revocation")


def consent(made):
    print("Consent: a member joins only by accepting; a meeting is the network's once accepted")
    network, orebro, bergen = made["hordaland_network"], made["orebro"], made["bergen"]
    hordaland_key = make_key(made["hordaland"], "Hordaland coordinator")
    orebro_key = make_key(orebro, "Örebro international office")
    bergen_key = make_key(bergen, "Bergen kommune")
    # Read with a key: anonymous answers may come from the gateway's cache a moment late.
    count = ok("GET", f"/v1/{network}", key=bergen_key)["memberCount"]
    invited = ok("POST", f"/v1/{network}/members", {
        "organisation": orebro, "role": "MENTOR"}, key=hordaland_key)
    check(invited["state"] == "PROPOSED" and invited["awaiting"] == orebro,
          f"the invitation: {invited}")
    public = ok("GET", f"/v1/{network}/members", key=None)["memberships"]
    check(orebro not in [m["organisation"] for m in public],
          "an invitation nobody accepted shows in the public member list")
    check(ok("GET", f"/v1/{network}", key=bergen_key)["memberCount"] == count,
          "an invitation nobody accepted counts as a member")
    mine = ok("GET", f"/v1/{orebro}/networks", key=orebro_key)["memberships"]
    check([m["state"] for m in mine if m["name"] == invited["name"]] == ["PROPOSED"],
          f"Örebro does not see the invitation awaiting it: {mine}")
    status, _, refused = http("POST", f"/v1/{invited['name']}:accept", {}, hordaland_key)
    check(status == 403, f"the coordinator accepted its own invitation: {status} {refused}")
    accepted = ok("POST", f"/v1/{invited['name']}:accept", {}, key=orebro_key)
    check(accepted["state"] == "ACTIVE", f"the acceptance: {accepted}")
    counted = ok("GET", f"/v1/{network}", key=bergen_key)["memberCount"]
    check(counted == count + 1, f"the accepted member is not counted: {count} -> {counted}")

    # Örebro, now a member, places a members-only meeting in the network.
    meeting = ok("POST", "/v1/events", {
        "title": {"translations": {"sv": "Erfarenhetsutbyte om Interreg"}, "defaultLanguage": "sv"},
        "kind": "NETWORK_MEETING", "organiser": orebro, "network": network,
        "visibility": "NETWORK", "timeZone": "Europe/Stockholm",
        "startTime": "2031-06-10T08:00:00Z", "endTime": "2031-06-10T10:00:00Z",
        "attendanceMode": "ONLINE", "onlineUrl": "https://regionorebrolan.se/moete"},
        key=orebro_key)
    check(meeting["placement"] == "PLACEMENT_PROPOSED", f"the placement: {meeting}")
    ok("POST", f"/v1/{meeting['name']}:publish", {}, key=orebro_key)
    status, _, _ = http("GET", f"/v1/{meeting['name']}", key=bergen_key)
    check(status == 404, f"a member sees a meeting its network has not accepted: {status}")
    status, _, _ = http("POST", f"/v1/{meeting['name']}:acceptPlacement", {}, orebro_key)
    check(status == 403, f"the organiser accepted its meeting for the network: {status}")
    placed = ok("POST", f"/v1/{meeting['name']}:acceptPlacement", {}, key=hordaland_key)
    check(placed["placement"] == "PLACEMENT_ACTIVE", f"the accepted placement: {placed}")
    seen = ok("GET", f"/v1/{meeting['name']}", key=bergen_key)
    check(seen["name"] == meeting["name"], "a member does not see the accepted meeting")


def unconsented_partner(made):
    print("Consent: a partner is in a consortium only once it accepts")
    kofoeds, voss = made["kofoeds"], made["voss"]
    kofoeds_key = make_key(kofoeds, "Kofoeds Erasmus+ office")
    voss_key = make_key(voss, "Voss international office")
    groen_key = make_key(made["groen"], "Grøn Hverdag")
    application = ok("POST", "/v1/applications", {
        "call": made["mobility"], "title": "Everyday sustainability across the Nordics",
        "language": "en", "requestedAmount": {"currencyCode": "EUR", "units": "40000"},
        "totalCost": {"currencyCode": "EUR", "units": "50000"},
        "participants": [{"organisation": kofoeds, "role": "LEAD"},
                         {"organisation": voss, "role": "PARTNER"}]}, key=kofoeds_key)
    name = application["name"]
    check([p.get("state") for p in application["participants"]] == ["ACTIVE", "PROPOSED"],
          f"Voss is a partner without consenting: {application['participants']}")
    status, _, refused = http("POST", f"/v1/{name}:submit", {}, kofoeds_key)
    reasons = [d.get("reason") for d in refused.get("details", [])]
    check(status == 400 and "PARTNERS_NOT_CONSENTED" in reasons and voss in refused["message"],
          f"submitted before the partner consented: {status} {refused}")
    for key in (kofoeds_key, groen_key):
        status, _, refused = http("POST", f"/v1/{name}:acceptPartnership",
                                  {"organisation": voss}, key)
        check(status == 403, f"another accepted for Voss: {status} {refused}")
    seen = ok("GET", f"/v1/{name}", key=voss_key)
    check(seen["participants"][1]["state"] == "PROPOSED", "Voss cannot read what it is asked")
    accepted = ok("POST", f"/v1/{name}:acceptPartnership", {"organisation": voss}, key=voss_key)
    check(accepted["participants"][1]["state"] == "ACTIVE", f"the acceptance: {accepted}")
    submitted = ok("POST", f"/v1/{name}:submit", {}, key=kofoeds_key)
    check(submitted["state"] == "SUBMITTED", f"the consented application: {submitted}")


def delegated(made):
    print("Delegation: the writes refused to Voss succeed with Kofoeds' delegation, until revoked")
    kofoeds, voss, meeting = made["kofoeds"], made["voss"], made["copenhagen_meeting"]
    kofoeds_admin = make_key(kofoeds, "Kofoeds delegations", ("SCOPE_ADMIN",))
    voss_key = make_key(voss, "Voss portal", ("SCOPE_READ", "SCOPE_WRITE", "SCOPE_REGISTRATIONS"))
    delegation = ok("POST", f"/v1/{kofoeds}/delegations", {
        "delegate": voss, "purpose": "Voss runs Kofoeds' international office",
        "scopes": ["EVENTS_WRITE", "REGISTRATIONS_WRITE", "FUNDING_WRITE", "ORGANISATIONS_WRITE"],
        "expireTime": EXPIRE}, key=kofoeds_admin)
    summary = {"summary": {"translations": {"da": "Informationsmøde om nordisk samarbejde"},
                           "defaultLanguage": "da"}}
    update_event = lambda: http("PATCH", f"/v1/{meeting}?updateMask=summary", summary, voss_key)
    # The gateway learns of the delegation within its key cache time.
    status, _, updated = within_key_cache_time(update_event, 200)
    check(status == 200, f"UpdateEvent with the delegation: {status} {updated}")
    looking = ok("GET", f"/v1/{kofoeds}", key=None)["lookingForPartners"]
    # Copenhagen closed the meeting's registration; Kofoeds opens it again for a late seat.
    ok("PATCH", f"/v1/{meeting}/registrationPolicy?updateMask=closeTime",
       {"name": f"{meeting}/registrationPolicy", "closeTime": EXPIRE}, key=kofoeds_admin)
    writes = [
        ("PATCH", f"/v1/{kofoeds}?updateMask=lookingForPartners", {"lookingForPartners": looking}),
        ("POST", f"/v1/{kofoeds}/partnerRequests", {
            "title": {"translations": {"da": "Partnere til ungdomsudveksling"},
                      "defaultLanguage": "da"}, "themes": ["youth"], "countries": ["NO"],
            "kinds": ["NGO"]}),
        ("POST", f"/v1/{meeting}/registrations", {
            "organisation": kofoeds, "participants": [
                {"givenName": "Ole", "familyName": "Hansen", "email": "ole@kofoedsskole.dk"}],
            "answers": [{"question": "experience", "yes": True}]}),
        ("POST", "/v1/applications", {
            "call": made["mobility"], "title": "Nordisk hverdag",
            "participants": [{"organisation": kofoeds, "role": "LEAD"}]}),
        ("POST", "/v1/events", {
            "title": {"translations": {"da": "Studietur til Voss"}, "defaultLanguage": "da"},
            "kind": "WORKSHOP", "organiser": kofoeds, "timeZone": "Europe/Oslo",
            "startTime": "2031-05-04T07:00:00Z", "endTime": "2031-05-04T15:00:00Z",
            "attendanceMode": "ONLINE", "onlineUrl": "https://kofoedsskole.dk/voss"}),
        ("PATCH", f"/v1/{meeting}/registrationPolicy?updateMask=closeTime",
         {"name": f"{meeting}/registrationPolicy", "closeTime": EXPIRE}),
    ]
    for verb, path, body in writes:
        status, _, answer = http(verb, path, body, voss_key)
        check(status == 200, f"{verb} {path} in Kofoeds' name with its delegation: {status} {answer}")
    ok("POST", f"/v1/{delegation['name']}:revoke", {}, key=kofoeds_admin)
    status, _, _ = within_key_cache_time(update_event, 403)
    check(status == 403, f"UpdateEvent for Kofoeds after the revocation: {status}")
    for verb, path, body in writes:
        status, _, _ = http(verb, path, body, voss_key)
        check(status == 403, f"{verb} {path} for Kofoeds after the revocation: {status}")

    print("Delegation: an expired delegation acts for nobody, at once")
    lifetime = KEY_CACHE_SECONDS + 5
    expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=lifetime)
    ok("POST", f"/v1/{kofoeds}/delegations", {
        "delegate": voss, "purpose": "Voss runs Kofoeds' events for a few seconds",
        "scopes": ["EVENTS_WRITE"], "expireTime": expires.strftime("%Y-%m-%dT%H:%M:%S.%fZ")},
        key=kofoeds_admin)
    status, _, updated = within_key_cache_time(update_event, 200)
    check(status == 200, f"UpdateEvent with the short delegation: {status} {updated}")
    while datetime.datetime.now(datetime.timezone.utc) < expires - datetime.timedelta(seconds=1):
        status, _, _ = update_event()
        check(status == 200, f"UpdateEvent refused before the delegation expired: {status}")
        time.sleep(0.2)
    while datetime.datetime.now(datetime.timezone.utc) < expires:
        time.sleep(0.05)
    status, _, _ = update_event()
    check(status == 403, f"UpdateEvent with an expired delegation: {status}")


def within_key_cache_time(call, wanted_status):
    """Calls until the HTTP status is `wanted_status`, for the key cache time and a margin."""
    deadline = time.monotonic() + KEY_CACHE_SECONDS + 5
    while True:
        answer = call()
        if answer[0] == wanted_status or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def main():
    global GRPC, HTTP
    try:
        GRPC, HTTP = start_stack()
        made = load_demo()
        copenhagen(made)
        newcomers(made)
        hordaland(made)
        polish_forum(made)
        study_visit(made)
        biser(made)
        orebro(made)
        voss_key = bola(made)
        delegated(made)
        trust(made)
        consent(made)
        unconsented_partner(made)
        bola_delegated(made, voss_key)
        print("portal e2e: passed")
        return 0
    except (AssertionError, subprocess.CalledProcessError) as error:
        print(f"FAIL: {error}", file=sys.stderr)
        for name, _ in processes:
            with open(os.path.join(work, f"{name}.log")) as log:
                lines = log.readlines()[-8:]
            print(f"--- {name}.log\n{''.join(lines)}", file=sys.stderr)
        return 1
    finally:
        stop_stack()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
