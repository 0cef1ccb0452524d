package atlas_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

func ptr[T any](v T) *T { return &v }

// demoRequest is the 2024-05-30 request for the emulator's demo source into its demo destination.
func demoRequest() atlas.LiveMigrationRequest20240530 {
	return atlas.LiveMigrationRequest20240530{
		Source: atlas.Source{GroupID: atlastest.DemoSourceProjectID, ClusterName: atlastest.DemoSourceClusterName, ManagedAuthentication: true},
		Destination: atlas.Destination{GroupID: atlastest.DefaultGroupID, ClusterName: atlastest.DefaultClusterName,
			HostnameSchemaType: atlas.HostnamePublic},
		MigrationHosts: []string{atlastest.DemoSourceMigrationHost},
	}
}

// The whole flow through the typed methods and the wait helpers, in both request versions, on the emulator's
// clock: each poll moves it by a phase, so nothing sleeps longer than the 1 ms poll interval.
func TestLiveMigrationFlow(t *testing.T) {
	for _, tc := range []struct {
		name    string
		req     atlas.MigrationRequest
		version string
	}{
		{"2024-05-30", demoRequest(), "2024-05-30"},
		{"2023-01-01", func() atlas.LiveMigrationRequest {
			r := demoRequest()
			return atlas.LiveMigrationRequest{Source: r.Source, Destination: r.Destination, MigrationHosts: r.MigrationHosts, DropEnabled: false}
		}(), "2023-01-01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := atlastest.NewManualClock(time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
			srv := newEmulator(t, atlastest.WithClock(clock.Now), atlastest.WithResponseValidation())
			c := newClient(t, srv.URL)
			ctx := context.Background()
			fast := atlas.WithPollInterval(time.Millisecond, time.Millisecond)

			token, err := c.CreateLinkToken(ctx, atlastest.DefaultOrgID, accessList())
			if err != nil {
				t.Fatal(err)
			}
			source := newClient(t, srv.URL, atlas.WithDigestAuth(atlastest.DefaultSourcePublicKey, atlastest.DefaultSourcePrivateKey))
			if status, err := source.ConnectOrganizations(ctx, atlastest.DefaultSourceOrgID, token.LinkToken); err != nil || status.Status == nil || *status.Status != atlas.LinkSynced {
				t.Fatalf("ConnectOrganizations: %+v, %v", status, err)
			}
			projects, err := c.ListAvailableProjects(ctx, atlastest.DefaultOrgID)
			if err != nil || len(projects) != 1 || *projects[0].ProjectID != atlastest.DemoSourceProjectID || *projects[0].Deployments[0].Name != atlastest.DemoSourceClusterName {
				t.Fatalf("ListAvailableProjects: %+v, %v", projects, err)
			}
			v, err := c.ValidateMigration(ctx, atlastest.DefaultGroupID, tc.req)
			if err != nil || *v.Status != atlas.ValidationPending {
				t.Fatalf("ValidateMigration: %+v, %v", v, err)
			}
			var seen []atlas.LiveImportValidationStatus
			v, err = c.WaitForValidation(ctx, atlastest.DefaultGroupID, *v.ID, fast, atlas.WithValidationProgress(func(v *atlas.LiveImportValidation) {
				seen = append(seen, *v.Status)
				clock.Advance(time.Second)
			}))
			if err != nil || *v.Status != atlas.ValidationSuccess || len(seen) != 2 || seen[0] != atlas.ValidationPending {
				t.Fatalf("WaitForValidation: %+v, %v (seen %v)", v, err, seen)
			}

			m, err := c.CreateMigration(ctx, atlastest.DefaultGroupID, tc.req)
			if err != nil || *m.Status != atlas.MigrationNew {
				t.Fatalf("CreateMigration: %+v, %v", m, err)
			}
			var lags []int64
			m, err = c.WaitForMigration(ctx, atlastest.DefaultGroupID, *m.ID, atlas.ReadyForCutover, fast, atlas.WithMigrationProgress(func(m *atlas.LiveMigrationResponse) {
				if m.LagTimeSeconds != nil {
					lags = append(lags, *m.LagTimeSeconds)
				}
				clock.Advance(time.Second)
			}))
			if err != nil || !atlas.ReadyForCutover(m) || len(lags) != atlastest.SyncPhases+1 || lags[0] <= lags[len(lags)-1] {
				t.Fatalf("WaitForMigration ready: %+v, %v (lags %v)", m, err, lags)
			}
			if err := c.Cutover(ctx, atlastest.DefaultGroupID, *m.ID); err != nil {
				t.Fatal(err)
			}
			m, err = c.WaitForMigration(ctx, atlastest.DefaultGroupID, *m.ID, atlas.MigrationDone, fast, atlas.WithMigrationProgress(func(*atlas.LiveMigrationResponse) {
				clock.Advance(time.Second)
			}))
			if err != nil || *m.Status != atlas.MigrationComplete {
				t.Fatalf("WaitForMigration done: %+v, %v", m, err)
			}
			// Each body went out as its version, named in Content-Type and Accept.
			for _, r := range srv.Requests() {
				if r.Method == http.MethodPost && strings.Contains(r.Path, "/groups/") && r.Status != 401 {
					want := "application/vnd.atlas." + tc.version + "+json"
					if r.Header.Get("Content-Type") != want || r.Header.Get("Accept") != want {
						t.Errorf("%s %s sent as %q / %q, want %s", r.Method, r.Path, r.Header.Get("Content-Type"), r.Header.Get("Accept"), want)
					}
				}
			}
			for _, err := range srv.ResponseValidationErrors() {
				t.Errorf("emulator answered outside the spec: %v", err)
			}
		})
	}
}

// Bad input is refused before anything is sent, naming the value.
func TestLiveMigrationInputIsCheckedBeforeSending(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL)
	ctx := context.Background()
	withUser := demoRequest()
	withUser.Source.Username = ptr("u")
	noPassword := demoRequest()
	noPassword.Source.ManagedAuthentication, noPassword.Source.Username = false, ptr("u")
	twoHosts := demoRequest()
	twoHosts.MigrationHosts = []string{"a", "b"}
	badSource := demoRequest()
	badSource.Source.GroupID = "nope"
	for _, tc := range []struct {
		name string
		call func() error
		want string
	}{
		{"group ID", func() error { _, err := c.ValidateMigration(ctx, "G", demoRequest()); return err }, `groupID "G"`},
		{"validation ID", func() error { _, err := c.MigrationValidation(ctx, atlastest.DefaultGroupID, "x"); return err }, `validationID "x"`},
		{"migration ID", func() error { return c.Cutover(ctx, atlastest.DefaultGroupID, "ABCDEFABCDEFABCDEFABCDEF") }, "upper-case"},
		{"username with managed authentication", func() error { _, err := c.CreateMigration(ctx, atlastest.DefaultGroupID, withUser); return err }, "source.username"},
		{"no password", func() error { _, err := c.CreateMigration(ctx, atlastest.DefaultGroupID, noPassword); return err }, "source.password"},
		{"two migration hosts", func() error { _, err := c.CreateMigration(ctx, atlastest.DefaultGroupID, twoHosts); return err }, "migrationHosts"},
		{"source project ID", func() error { _, err := c.ValidateMigration(ctx, atlastest.DefaultGroupID, badSource); return err }, "source.groupId"},
		{"version against the body", func() error {
			_, err := c.CreateMigration(ctx, atlastest.DefaultGroupID, demoRequest(), atlas.WithVersion("2023-01-01"))
			return err
		}, "the body is a LiveMigrationRequest20240530, which is version 2024-05-30"},
		{"nil request", func() error { _, err := c.CreateMigration(ctx, atlastest.DefaultGroupID, nil); return err }, "no request"},
	} {
		err := tc.call()
		var inputErr *atlas.InputError
		if !errors.As(err, &inputErr) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an *InputError containing %q", tc.name, err, tc.want)
		}
	}
	if n := srv.RequestCount(); n != 0 {
		t.Errorf("%d requests sent for refused input", n)
	}
}

// Atlas' errors come back typed; a failed migration ends the wait with ErrJobFailed; the wait ends with the
// caller's context.
func TestLiveMigrationErrorsAndWaits(t *testing.T) {
	clock := atlastest.NewManualClock(time.Now())
	srv := newEmulator(t, atlastest.WithClock(clock.Now))
	c := newClient(t, srv.URL)
	ctx := context.Background()
	_, err := c.Migration(ctx, atlastest.DefaultGroupID, "dddddddddddddddddddddddd")
	if !atlas.IsErrorCode(err, "LIVE_MIGRATION_NOT_FOUND") {
		t.Errorf("unknown migration: %v", err)
	}
	err = c.Cutover(ctx, "cccccccccccccccccccccccc", "dddddddddddddddddddddddd")
	if !atlas.IsErrorCode(err, "GROUP_NOT_FOUND") {
		t.Errorf("unknown group: %v", err)
	}
	// Not linked: the migration fails once it leaves NEW.
	m, err := c.CreateMigration(ctx, atlastest.DefaultGroupID, demoRequest())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Cutover(ctx, atlastest.DefaultGroupID, *m.ID); !atlas.IsErrorCode(err, "LIVE_MIGRATION_NOT_READY_FOR_CUTOVER") {
		t.Errorf("early cutover: %v", err)
	}
	last, err := c.WaitForMigration(ctx, atlastest.DefaultGroupID, *m.ID, atlas.ReadyForCutover,
		atlas.WithPollInterval(time.Millisecond, time.Millisecond), atlas.WithMigrationProgress(func(*atlas.LiveMigrationResponse) { clock.Advance(time.Second) }))
	if !errors.Is(err, atlas.ErrJobFailed) || last == nil || *last.Status != atlas.MigrationFailed {
		t.Errorf("failed migration: %+v, %v", last, err)
	}
	// A validation that never ends: the wait ends with the context.
	v, err := c.ValidateMigration(ctx, atlastest.DefaultGroupID, demoRequest())
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	last2, err := c.WaitForValidation(short, atlastest.DefaultGroupID, *v.ID, atlas.WithPollInterval(5*time.Millisecond, 5*time.Millisecond))
	if !errors.Is(err, context.DeadlineExceeded) || last2 == nil || *last2.Status != atlas.ValidationPending {
		t.Errorf("wait past the deadline: %+v, %v", last2, err)
	}
}

// cutoverMigration is a PUT, but an action: a 503 without Retry-After is not retried (the cutover may have
// started), while getGroupLiveMigration's GET is.
func TestCutoverIsNotRetriedLikeAnIdempotentPUT(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv.URL, atlas.WithRetry(atlas.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	ctx := context.Background()
	id := "dddddddddddddddddddddddd"
	// Warm the digest challenge so each call is one request.
	_, _ = c.Migration(ctx, atlastest.DefaultGroupID, id)
	before := srv.RequestCount()
	srv.InjectFaults(atlastest.Fault{Status: 503})
	if err := c.Cutover(ctx, atlastest.DefaultGroupID, id); err == nil {
		t.Fatal("503 cutover succeeded")
	}
	if n := srv.RequestCount() - before; n != 1 {
		t.Errorf("cutover after a 503: %d requests, want 1", n)
	}
	before = srv.RequestCount()
	srv.InjectFaults(atlastest.Fault{Status: 503})
	_, err := c.Migration(ctx, atlastest.DefaultGroupID, id)
	if !atlas.IsErrorCode(err, "LIVE_MIGRATION_NOT_FOUND") {
		t.Errorf("GET after a 503: %v", err)
	}
	if n := srv.RequestCount() - before; n != 2 {
		t.Errorf("GET after a 503: %d requests, want 2", n)
	}
}
