package atlas_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlas"
	"github.com/atlas-linktoken/atlas-linktoken/pkg/atlastest"
)

// A 2xx answer to an action that cannot be decoded reaches the caller whole: status and raw body, so the ID of
// what Atlas created is never lost.
func TestAnActionsUnusableAnswerIsKept(t *testing.T) {
	jsonHeader := http.Header{"Content-Type": {"application/vnd.atlas.2024-05-30+json"}}
	for _, tc := range []struct {
		name, body string
		call       func(c *atlas.Client) error
	}{
		{"migration with a numeric status", `{"_id":"6a0b1c2d3e4f5a6b7c8d9e01","status":3}`, func(c *atlas.Client) error {
			_, err := c.CreateMigration(context.Background(), atlastest.DefaultGroupID, demoRequest())
			return err
		}},
		{"migration with id for _id", `{"id":"6a0b1c2d3e4f5a6b7c8d9e01","status":"NEW"}`, func(c *atlas.Client) error {
			_, err := c.CreateMigration(context.Background(), atlastest.DefaultGroupID, demoRequest())
			return err
		}},
		{"migration with a decimal lag", `{"_id":"6a0b1c2d3e4f5a6b7c8d9e01","lagTimeSeconds":1.5}`, func(c *atlas.Client) error {
			_, err := c.CreateMigration(context.Background(), atlastest.DefaultGroupID, demoRequest())
			return err
		}},
		{"validation with a numeric status", `{"_id":"6a0b1c2d3e4f5a6b7c8d9e01","status":7}`, func(c *atlas.Client) error {
			_, err := c.ValidateMigration(context.Background(), atlastest.DefaultGroupID, demoRequest())
			return err
		}},
		{"validation without _id", `{"status":"PENDING"}`, func(c *atlas.Client) error {
			_, err := c.ValidateMigration(context.Background(), atlastest.DefaultGroupID, demoRequest())
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, count := scripted(t, 201, jsonHeader, tc.body)
			c := newClient(t, srv.URL)
			err := tc.call(c)
			var unexpected *atlas.UnexpectedResponseError
			if !errors.As(err, &unexpected) || !errors.Is(err, atlas.ErrUnexpectedResponse) {
				t.Fatalf("want an *UnexpectedResponseError, got %v", err)
			}
			if unexpected.StatusCode != 201 || !bytes.Equal(unexpected.Body, []byte(tc.body)) {
				t.Errorf("kept %d %q, want 201 and the body as sent", unexpected.StatusCode, unexpected.Body)
			}
			if *count != 1 {
				t.Errorf("%d requests: an action whose answer was unusable was sent again", *count)
			}
		})
	}
}

// Waits fail closed: an unknown status, or a final one in which the condition cannot hold, ends the wait with an
// error naming it, never a success and never a poll until the context ends.
func TestWaitsFailClosed(t *testing.T) {
	header := http.Header{"Content-Type": {"application/vnd.atlas.2023-01-01+json"}}
	id := "6a0b1c2d3e4f5a6b7c8d9e01"
	poll := atlas.WithPollInterval(time.Millisecond, time.Millisecond)
	for _, tc := range []struct {
		name, body, want string
		wait             func(ctx context.Context, c *atlas.Client) error
	}{
		{"validation CANCELLED", `{"_id":"` + id + `","status":"CANCELLED"}`, `"CANCELLED"`, func(ctx context.Context, c *atlas.Client) error {
			_, err := c.WaitForValidation(ctx, atlastest.DefaultGroupID, id, poll)
			return err
		}},
		{"migration COMPLETE awaited ready for cutover", `{"_id":"` + id + `","status":"COMPLETE","readyForCutover":false}`, "COMPLETE", func(ctx context.Context, c *atlas.Client) error {
			_, err := c.WaitForMigration(ctx, atlastest.DefaultGroupID, id, atlas.ReadyForCutover, poll)
			return err
		}},
		{"migration PAUSED", `{"_id":"` + id + `","status":"PAUSED"}`, `"PAUSED"`, func(ctx context.Context, c *atlas.Client) error {
			_, err := c.WaitForMigration(ctx, atlastest.DefaultGroupID, id, atlas.MigrationDone, poll)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, count := scripted(t, 200, header, tc.body)
			c := newClient(t, srv.URL)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err := tc.wait(ctx, c)
			if !errors.Is(err, atlas.ErrUnknownState) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want ErrUnknownState naming %s, got %v", tc.want, err)
			}
			if *count != 1 {
				t.Errorf("%d polls: a wait on a state that cannot change went on", *count)
			}
		})
	}
	// FAILED and EXPIRED stay job failures, whatever the condition.
	srv, _ := scripted(t, 200, header, `{"_id":"`+id+`","status":"EXPIRED"}`)
	_, err := newClient(t, srv.URL).WaitForMigration(context.Background(), atlastest.DefaultGroupID, id, atlas.MigrationDone, poll)
	if !errors.Is(err, atlas.ErrJobFailed) {
		t.Errorf("EXPIRED: want ErrJobFailed, got %v", err)
	}
}
