package models

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// writeAtomically runs gorm writes as one implicit transaction in a single
// round trip (a pgx batch: PostgreSQL only). gorm builds each statement in
// dry-run mode, so the SQL is exactly what tx.Create would send; the batch
// ends with one Sync, and PostgreSQL commits all of it or none. Use it for
// hot paths whose rows are known up front (ids taken beforehand).
func (s *Store) writeAtomically(ctx context.Context, writes ...func(*gorm.DB) *gorm.DB) error {
	if s.Dialect != Postgres {
		return s.Tx(ctx, func(tx *gorm.DB) error {
			for _, w := range writes {
				if err := w(tx).Error; err != nil {
					return err
				}
			}
			return nil
		})
	}
	dry := s.DB.WithContext(ctx).Session(&gorm.Session{DryRun: true, NewDB: true})
	batch := &pgx.Batch{}
	for _, w := range writes {
		stmt := w(dry).Statement
		if stmt.Error != nil {
			return stmt.Error
		}
		batch.Queue(stmt.SQL.String(), stmt.Vars...)
	}
	conn, err := s.SQL().Conn(ctx)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("pipelined write: driver connection is %T, not pgx", dc)
		}
		br := c.Conn().SendBatch(ctx, batch)
		for i := range batch.Len() {
			if _, err := br.Exec(); err != nil {
				_ = br.Close()
				return fmt.Errorf("statement %d of %d: %w", i+1, batch.Len(), err)
			}
		}
		return br.Close()
	})
}
