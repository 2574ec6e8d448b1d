package report

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Merge combines the reports of the N shares of one sharded run into the
// report one unsharded run would have written. Every share 1..N must be
// there exactly once, with the same tool version: a merge that silently
// lacks a share would lose photos.
func Merge(shards []*Report) (*Report, error) {
	if len(shards) == 0 {
		return nil, errors.New("report: merge: no reports")
	}
	n := 0
	seen := map[int]bool{}
	for _, r := range shards {
		if r.Shard == "" {
			return nil, errors.New("report: merge: a report is not from a sharded run (no shard field)")
		}
		spec, err := ParseShard(r.Shard)
		if err != nil {
			return nil, fmt.Errorf("report: merge: %w", err)
		}
		i, m := spec.I, spec.N
		if n == 0 {
			n = m
		}
		if m != n {
			return nil, fmt.Errorf("report: merge: shard %s is of a run in %d shares, others in %d", r.Shard, m, n)
		}
		if seen[i] {
			return nil, fmt.Errorf("report: merge: shard %s given twice", r.Shard)
		}
		seen[i] = true
		if r.ToolVersion != shards[0].ToolVersion {
			return nil, fmt.Errorf("report: merge: shard %s is from photoaudit %s, shard %s from %s",
				r.Shard, r.ToolVersion, shards[0].Shard, shards[0].ToolVersion)
		}
	}
	var lacking []string
	for i := 1; i <= n; i++ {
		if !seen[i] {
			lacking = append(lacking, fmt.Sprintf("%d/%d", i, n))
		}
	}
	if len(lacking) > 0 {
		return nil, fmt.Errorf("report: merge: shards %s are missing", strings.Join(lacking, ", "))
	}
	out := &Report{Schema: Schema, ToolVersion: shards[0].ToolVersion, Config: shards[0].Config, Images: []Image{}}
	for _, r := range shards {
		if out.Started == "" || r.Started < out.Started {
			out.Started = r.Started
		}
		if r.Finished > out.Finished {
			out.Finished = r.Finished
		}
		out.Detectors = union(out.Detectors, r.Detectors)
		out.Warnings = union(out.Warnings, r.Warnings)
		out.Images = append(out.Images, r.Images...)
		// Every share walks the same folders, so each lists the same
		// skipped files.
		for _, s := range r.Skipped {
			if !slices.Contains(out.Skipped, s) {
				out.Skipped = append(out.Skipped, s)
			}
		}
	}
	out.Summarize()
	return out, nil
}

func union(a, b []string) []string {
	for _, s := range b {
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}
