package atlastest

import (
	"testing"
	"time"

	"github.com/atlas-linktoken/atlas-linktoken/gen"
)

// finishAt, which orders the job stores, must agree with what state and validationView say: a job is finished
// (FAILED, EXPIRED, COMPLETE; SUCCESS, FAILED) exactly from its finishAt on.
func TestFinishAtAgreesWithTheStatus(t *testing.T) {
	const p = time.Second
	t0 := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	final := map[gen.LiveMigrationResponseStatus]bool{gen.MigrationFailed: true, gen.MigrationExpired: true, gen.MigrationComplete: true}
	migrations := map[string]*migrationJob{
		"replicating": {created: t0},
		"failing":     {created: t0, failure: "refused"},
		"cut over":    {created: t0, cutover: t0.Add(4*p + time.Hour)},
	}
	for name, job := range migrations {
		at := job.finishAt(p)
		for _, d := range []time.Duration{-p, -time.Nanosecond, 0, time.Nanosecond, p} {
			status, _, _ := job.state(at.Add(d), p)
			if final[status] != (d >= 0) {
				t.Errorf("%s migration at finishAt%+v: %s", name, d, status)
			}
		}
	}
	s := &Server{phase: p}
	v := &validationJob{created: t0, failure: ""}
	for _, d := range []time.Duration{-time.Nanosecond, 0} {
		s.now = func() time.Time { return v.finishAt(p).Add(d) }
		if pending := *s.validationView(v).Status == gen.ValidationPending; pending != (d < 0) {
			t.Errorf("validation at finishAt%+v: %s", d, *s.validationView(v).Status)
		}
	}
}

// A cutover moves a migration's end: once COMPLETE it is the one forgotten for a new job, before older migrations
// still replicating; those are never forgotten.
func TestCutoverMakesAMigrationTheFirstToGo(t *testing.T) {
	const p = time.Second
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	store := newJobs[*migrationJob](MaxJobs)
	ids := make([]string, MaxJobs)
	for i := range ids {
		ids[i] = newObjectID()
		if _, ok := store.add("g", ids[i], &migrationJob{id: ids[i], groupID: "g", created: now}, now, p); !ok {
			t.Fatalf("job %d of %d refused", i, MaxJobs)
		}
	}
	now = now.Add(4 * p) // all ready for cutover, none finished
	if wait, ok := store.add("g", "x", &migrationJob{created: now}, now, p); ok || wait != CutoverWindow {
		t.Fatalf("a job past MaxJobs, none finished: stored %v, wait %v; want refused, wait %v", ok, wait, CutoverWindow)
	}
	cut := ids[MaxJobs/2]
	job, _ := store.get("g", cut)
	job.cutover = now
	store.changed(cut, p)
	now = now.Add(p) // it is COMPLETE
	if _, ok := store.add("g", "y", &migrationJob{created: now}, now, p); !ok {
		t.Fatal("a new job was refused though one had finished")
	}
	if _, ok := store.get("g", cut); ok {
		t.Error("the finished migration is still kept")
	}
	for _, id := range ids {
		if _, ok := store.get("g", id); !ok && id != cut {
			t.Fatalf("a running migration was forgotten")
		}
	}
	if _, ok := store.get("h", "y"); ok {
		t.Error("a job is found under another project")
	}
}
