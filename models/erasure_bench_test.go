package models_test

import (
	"context"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// BenchmarkErasure erases 300 closed petitions per run (the retention job's
// work after its period); the metric is the time per petition.
func BenchmarkErasure(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchErasure(b, testdb.SQLite(b)) })
	b.Run("postgres", func(b *testing.B) { benchErasure(b, testdb.Postgres(b)) })
}

func benchErasure(b *testing.B, tg testdb.Target) {
	e := testenv.New(b, tg)
	ctx := context.Background()
	const n = 300
	for range n {
		e.Submit(models.SubmitInput{Content: testenv.KnownPerson().Mention() + " Đoạn đường qua ấp 3 bị sụt lún nhiều tháng nay."})
	}
	closed := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		b.StopTimer()
		if err := e.Store.DB.Model(&models.Petition{}).Where("1 = 1").
			Updates(map[string]any{"status": models.StatusClosed, "closed_at": closed, "anonymised_at": nil}).Error; err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		got, err := e.Store.AnonymisePetitioners(ctx, now.AddDate(-5, 0, 0), now)
		if err != nil || got != n {
			b.Fatalf("erased %d: %v", got, err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n)/1e6, "ms/petition")
}
