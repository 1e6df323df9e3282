package models_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"pakn/internal/testdb"
	"pakn/models"
)

// BenchmarkSubmitPetition measures one intake (validate, number, route,
// insert petition, events and outbox row, commit) on each database, from
// parallel goroutines as a server does.
//
//	go test -run '^$' -bench SubmitPetition ./models/
func BenchmarkSubmitPetition(b *testing.B) {
	benchSubmit(b, func(*models.SubmitInput, int64) {})
}

// BenchmarkSubmitPetitionWithProcedure is BenchmarkSubmitPetition for
// petitions that name a one-stop dossier and a procedure (routed by the
// procedure's unit, two more values written, two partial indexes).
func BenchmarkSubmitPetitionWithProcedure(b *testing.B) {
	benchSubmit(b, func(in *models.SubmitInput, n int64) {
		in.DossierCode, in.ProcedureCode = fmt.Sprintf("000.00.17.H42-250312-%04d", n%10000), "1.004222"
	})
}

func benchSubmit(b *testing.B, edit func(*models.SubmitInput, int64)) {
	targets := []struct {
		name string
		tg   func(testing.TB) testdb.Target
	}{{"sqlite", testdb.SQLite}, {"postgres", testdb.Postgres}}
	for _, target := range targets {
		b.Run(target.name, func(b *testing.B) {
			tg := target.tg(b)
			st := benchStore(b, tg)
			ctx := context.Background()
			var i atomic.Int64
			b.SetParallelism(4)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					n := i.Add(1)
					in := validInput()
					in.Title = fmt.Sprintf("Phản ánh đo hiệu năng số %d", n)
					edit(&in, n)
					if _, err := st.SubmitPetition(ctx, in); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

func benchStore(b *testing.B, tg testdb.Target) *models.Store {
	b.Helper()
	st, err := models.Open(context.Background(), models.OpenOptions{URL: tg.URL, DataDir: tg.DataDir})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	if err := migrateStore(st); err != nil {
		b.Fatal(err)
	}
	if err := st.SeedDemo(context.Background()); err != nil {
		b.Fatal(err)
	}
	return st
}
