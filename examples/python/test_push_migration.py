"""A push live migration against the atlas-emulator, from Python's standard library only.

It starts the atlas-emulator binary (the ATLAS_EMULATOR environment variable names it; otherwise it is built with
`go build` into a temporary directory), seeds it through its control plane, injects a fault, advances its clock and
runs the whole migration with urllib's digest handler: the link-token from the Atlas Administration API, the seeded
Cloud Manager organization connected with it through Cloud Manager's API (the emulator plays both sides), then
listAvailableProjects, validate, migrate and cutover on Atlas:

    python3 -m unittest -v test_push_migration        # from examples/python

`make test` runs it (examples/suites_test.go). It prints no secret: keys, secrets and link-tokens stay in variables.
"""

import base64
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

REPO = pathlib.Path(__file__).resolve().parents[2]

ORG = "6b0b1c2d3e4f5a6b7c8d9e01"
GROUP = "6b0b1c2d3e4f5a6b7c8d9e02"
SOURCE_ORG = "7c0b1c2d3e4f5a6b7c8d9e03"
SOURCE_PROJECT = "7c0b1c2d3e4f5a6b7c8d9e04"
SOURCE_PUBLIC_KEY = "acmesrc1"
SOURCE_PRIVATE_KEY = "22222222-3333-4444-8555-666666666666"
PUBLIC_KEY = "acmepub1"
PRIVATE_KEY = "11111111-2222-4333-8444-555555555555"
CLIENT_ID = "mdb_sa_id_acme"
CLIENT_SECRET = "mdb_sa_sk_acme-secret"

SEED = {
    "orgs": [{
        "id": ORG, "name": "Acme Atlas",
        "apiKeys": [{"publicKey": PUBLIC_KEY, "privateKey": PRIVATE_KEY, "roles": ["ORG_OWNER"]}],
        "serviceAccounts": [{"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET, "roles": ["ORG_OWNER"]}],
        "projects": [{"id": GROUP, "name": "dest", "clusters": ["Dest0"]}],
    }],
    "sourceOrgs": [{
        "id": SOURCE_ORG, "name": "Acme Cloud Manager",
        "apiKeys": [{"publicKey": SOURCE_PUBLIC_KEY, "privateKey": SOURCE_PRIVATE_KEY, "roles": ["ORG_OWNER"]}],
        "projects": [{"id": SOURCE_PROJECT, "name": "src", "deployments": [{"name": "rs0", "mongoDBVersion": "7.0.14"}],
                      "migrationHosts": ["mh1.example.net"]}],
    }],
}

MIGRATION = {
    "source": {"groupId": SOURCE_PROJECT, "clusterName": "rs0", "managedAuthentication": True, "ssl": False},
    "destination": {"groupId": GROUP, "clusterName": "Dest0", "hostnameSchemaType": "PUBLIC"},
    "migrationHosts": ["mh1.example.net"],
    "dropDestinationData": False,
}


class Emulator:
    """One atlas-emulator process on a free loopback port."""

    def __init__(self):
        self._tmp = None
        exe = os.environ.get("ATLAS_EMULATOR")
        if not exe:
            self._tmp = tempfile.mkdtemp(prefix="atlas-emulator-")
            exe = os.path.join(self._tmp, "atlas-emulator")
            subprocess.run(["go", "build", "-o", exe, "./cmd/atlas-emulator"], cwd=REPO, check=True)
        self.proc = subprocess.Popen([exe, "--addr", "127.0.0.1:0"], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        watchdog = threading.Timer(60, self.proc.kill)  # never wait forever for the first line
        watchdog.start()
        line = self.proc.stdout.readline()
        watchdog.cancel()
        if not line.startswith("listening on "):
            self.stop()
            raise RuntimeError("the emulator did not start: %r" % line)
        self.url = line.split()[-1]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def _send(self, opener, method, path, body, headers):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with opener.open(req, timeout=30) as resp:
                return resp.status, resp.headers, resp.read()
        except urllib.error.HTTPError as err:
            with err:
                return err.code, err.headers, err.read()

    def control(self, method, path, body=None):
        """A control-plane call: no credentials, from loopback."""
        status, headers, raw = self._send(urllib.request.build_opener(), method, "/_emulator/" + path, body,
                                          {"Content-Type": "application/json"})
        return status, headers, (json.loads(raw) if raw else None)

    def _digest(self, user, password):
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, self.url, user, password)
        return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))

    def source(self, method, path, body=None, user=SOURCE_PUBLIC_KEY, password=SOURCE_PRIVATE_KEY):
        """A Cloud Manager public API v1.0 call with HTTP digest and a source organization's API key."""
        status, _, raw = self._send(self._digest(user, password), method, "/api/public/v1.0" + path, body,
                                    {"Accept": "application/json", "Content-Type": "application/json"})
        return status, (json.loads(raw) if raw else None)

    def atlas(self, method, path, body=None, version="2023-01-01", user=PUBLIC_KEY, password=PRIVATE_KEY):
        """An Atlas Administration API call with HTTP digest, honouring Retry-After on 503 and 429."""
        opener = self._digest(user, password)
        media = "application/vnd.atlas.%s+json" % version
        headers = {"Accept": media}
        if body is not None:
            headers["Content-Type"] = media
        attempts = 0
        while True:
            attempts += 1
            status, resp_headers, raw = self._send(opener, method, "/api/atlas/v2" + path, body, headers)
            retry_after = resp_headers.get("Retry-After")
            if status in (429, 503) and retry_after is not None and attempts < 5:
                time.sleep(int(retry_after))
                continue
            return status, (json.loads(raw) if raw else None), attempts


class PushLiveMigration(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator()

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()

    def setUp(self):
        status, _, _ = self.emu.control("POST", "reset")
        self.assertEqual(status, 200)
        status, _, added = self.emu.control("POST", "seed", SEED)
        self.assertEqual(status, 200, added)
        self.assertEqual(added["apiKeys"], 1)

    def advance(self, duration):
        status, _, clock = self.emu.control("POST", "clock", {"advance": duration})
        self.assertEqual(status, 200, clock)

    def link(self):
        """Links both sides: a link-token from the Atlas org, the seeded source org connected with it."""
        status, answer, attempts = self.emu.atlas("POST", "/orgs/%s/liveMigrations/linkTokens" % ORG,
                                                  {"accessListIps": ["203.0.113.7"]})
        self.assertEqual(status, 201)
        link_token = answer["linkToken"]
        # base64 of JSON naming the Atlas org as the seed named it (and a fresh API key: never printed).
        self.assertEqual(json.loads(base64.b64decode(link_token))["orgName"], "Acme Atlas")
        status, connected = self.emu.source("POST", "/orgs/%s/liveExport/migrationLink" % SOURCE_ORG,
                                            {"linkToken": link_token})
        self.assertEqual((status, connected["status"]), (201, "SYNCED"))
        return link_token, attempts

    def test_health_and_version(self):
        status, headers, health = self.emu.control("GET", "health")
        self.assertEqual((status, health["state"], health["baseUrl"]), (200, "ready", self.emu.url))
        self.assertEqual(headers["X-Atlas-Emulator-Version"], health["version"])

    def test_push_live_migration(self):
        # A 503 with Retry-After, once: the client waits and tries again.
        status, _, fault = self.emu.control("POST", "faults", {"operationId": "createLinkToken", "status": 503,
                                                                "retryAfter": 1, "times": 1})
        self.assertEqual(status, 201, fault)
        link_token, attempts = self.link()
        self.assertEqual(attempts, 2)
        self.assertGreater(len(link_token), 100)
        _, _, faults = self.emu.control("GET", "faults")
        self.assertEqual(faults["faults"][0]["fired"], 1)

        status, projects, _ = self.emu.atlas("GET", "/orgs/%s/liveMigrations/availableProjects" % ORG)
        self.assertEqual(status, 200)
        self.assertEqual([(p["projectId"], p["name"]) for p in projects], [(SOURCE_PROJECT, "src")])
        status, state = self.emu.source("GET", "/orgs/%s/liveExport/migrationLink/status" % SOURCE_ORG)
        self.assertEqual((status, state["status"]), (200, "SYNCED"))

        status, validation, _ = self.emu.atlas("POST", "/groups/%s/liveMigrations/validate" % GROUP, MIGRATION,
                                               version="2024-05-30")
        self.assertEqual((status, validation["status"]), (200, "PENDING"))
        self.advance("1m")
        _, validation, _ = self.emu.atlas("GET", "/groups/%s/liveMigrations/validate/%s" % (GROUP, validation["_id"]))
        self.assertEqual(validation["status"], "SUCCESS")

        status, migration, _ = self.emu.atlas("POST", "/groups/%s/liveMigrations" % GROUP, MIGRATION,
                                              version="2024-05-30")
        self.assertEqual((status, migration["status"]), (201, "NEW"))
        migration_path = "/groups/%s/liveMigrations/%s" % (GROUP, migration["_id"])
        self.advance("10m")  # no waiting: the emulator's clock moves
        _, migration, _ = self.emu.atlas("GET", migration_path)
        self.assertEqual((migration["status"], migration["readyForCutover"]), ("WORKING", True))
        status, _, _ = self.emu.atlas("PUT", migration_path + "/cutover")
        self.assertEqual(status, 202)
        self.advance("1m")
        _, migration, _ = self.emu.atlas("GET", migration_path)
        self.assertEqual(migration["status"], "COMPLETE")
        status, _, _ = self.emu.atlas("DELETE", "/orgs/%s/liveMigrations/linkTokens" % ORG)
        self.assertEqual(status, 204)
        _, state = self.emu.source("GET", "/orgs/%s/liveExport/migrationLink/status" % SOURCE_ORG)
        self.assertEqual(state["status"], "NOT_SYNCED")

        _, _, journal = self.emu.control("GET", "requests")
        answered = [(r.get("operationId"), r["status"]) for r in journal["requests"] if r.get("auth") != "missing"]
        self.assertEqual(answered[0], ("createLinkToken", 503))
        self.assertIn(("cutoverMigration", 202), answered)
        created = [r["created"][0] for r in journal["requests"] if r.get("created")]
        self.assertEqual(created, [validation["_id"], migration["_id"]])
        text = json.dumps(journal)
        self.assertIn(("connectOrganizations", 201), answered)
        for secret in (PRIVATE_KEY, CLIENT_SECRET, SOURCE_PRIVATE_KEY, link_token):
            self.assertFalse(secret in text, "the journal holds a secret")  # assertNotIn would print it

    def test_forced_failure_shows_its_message(self):
        self.link()
        _, validation, _ = self.emu.atlas("POST", "/groups/%s/liveMigrations/validate" % GROUP, MIGRATION,
                                          version="2024-05-30")
        status, _, job = self.emu.control("POST", "jobs/" + validation["_id"],
                                          {"status": "FAILED", "errorMessage": "Source cluster rs0 is unreachable."})
        self.assertEqual((status, job["kind"]), (200, "validation"))
        _, validation, _ = self.emu.atlas("GET", "/groups/%s/liveMigrations/validate/%s" % (GROUP, validation["_id"]))
        self.assertEqual((validation["status"], validation["errorMessage"]),
                         ("FAILED", "Source cluster rs0 is unreachable."))

    def test_ready_migration_expires_after_120_hours(self):
        self.link()
        _, migration, _ = self.emu.atlas("POST", "/groups/%s/liveMigrations" % GROUP, MIGRATION, version="2024-05-30")
        path = "/groups/%s/liveMigrations/%s" % (GROUP, migration["_id"])
        self.advance("10m")
        self.assertTrue(self.emu.atlas("GET", path)[1]["readyForCutover"])
        self.advance("120h")
        self.assertEqual(self.emu.atlas("GET", path)[1]["status"], "EXPIRED")

    def test_service_account_token(self):
        basic = base64.b64encode(("%s:%s" % (CLIENT_ID, CLIENT_SECRET)).encode()).decode()
        req = urllib.request.Request(self.emu.url + "/api/oauth/token", data=b"grant_type=client_credentials",
                                     headers={"Authorization": "Basic " + basic,
                                              "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            token = json.loads(resp.read())["access_token"]
        req = urllib.request.Request(self.emu.url + "/api/atlas/v2/orgs/%s/liveMigrations/linkTokens" % ORG,
                                     data=b"{}", method="POST",
                                     headers={"Authorization": "Bearer " + token,
                                              "Content-Type": "application/vnd.atlas.2023-01-01+json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.assertEqual(resp.status, 201)

    def test_reset_forgets_the_seed(self):
        self.link()
        self.assertEqual(self.emu.control("POST", "reset")[0], 200)
        status, _, _ = self.emu.atlas("POST", "/orgs/%s/liveMigrations/linkTokens" % ORG, {})
        self.assertEqual(status, 401)
        status, _ = self.emu.source("GET", "/orgs/%s/liveExport/migrationLink/status" % SOURCE_ORG)
        self.assertEqual(status, 401)

    def test_bad_seed_names_the_value(self):
        bad = json.loads(json.dumps(SEED))
        bad["orgs"][0]["id"] = "6b0b1c2d3e4f5a6b7c8d9e0a"
        bad["orgs"][0]["apiKeys"][0]["publicKey"] = "acmepub2"
        bad["orgs"][0]["serviceAccounts"] = []
        bad["orgs"][0]["projects"] = []
        bad["orgs"][0]["apiKeys"].append({"publicKey": "acmepub3", "privateKey": "nope", "roles": ["ORG_OWNER"]})
        bad["sourceOrgs"] = []
        status, _, error = self.emu.control("POST", "seed", bad)
        self.assertEqual((status, error["errorCode"], error["path"]), (400, "INVALID_SEED", "orgs[0].apiKeys[1].privateKey"))


if __name__ == "__main__":
    unittest.main()
