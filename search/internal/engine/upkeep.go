package engine

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2/index/scorch"
	index "github.com/blevesearch/bleve_index_api"
)

// Merge merges a scorch index's segments into one (adv is
// bleve.Index.Advanced()); other indexes are left as they are.
func Merge(ctx context.Context, adv index.Index) error {
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return nil
	}
	if err := sc.ForceMerge(ctx, nil); err != nil {
		return fmt.Errorf("search: merge segments: %w", err)
	}
	return nil
}

// SegmentCounts is the number of a scorch index's segments on disk and in
// memory (0, 0 for other indexes).
func SegmentCounts(adv index.Index) (files, memory uint64) {
	if sc, ok := adv.(*scorch.Scorch); ok {
		m := sc.StatsMap()
		files, _ = m["num_root_filesegments"].(uint64)
		memory, _ = m["num_root_memorysegments"].(uint64)
	}
	return files, memory
}

// SnapshotSegments is the number of segments of r, a scorch snapshot (0
// for other readers).
func SnapshotSegments(r index.IndexReader) int {
	if snap, ok := r.(*scorch.IndexSnapshot); ok {
		return len(snap.Segments())
	}
	return 0
}
