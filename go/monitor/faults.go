package monitor

import (
	"encoding/json"
	"fmt"
	"os"
)

// Scenario is the part of leakscope's scenario the harness reads.
type Scenario struct {
	Containers          int     `json:"containers"`
	Minutes             int     `json:"minutes"`
	RotationSecs        int     `json:"rotation_secs"`
	HeartbeatSecs       int     `json:"heartbeat_secs"`
	ErrorRate           float64 `json:"error_rate"`
	GoroutinesPerReader int     `json:"goroutines_per_reader"`
	BaselineGoroutines  int     `json:"baseline_goroutines"`
	Seed                uint64  `json:"seed"`
	LinesPerMin         int     `json:"lines_per_min"`
	StopAt              *int    `json:"stop_at"`
}

// Fault is one failing rotation.
type Fault struct {
	Container  int    `json:"container"`
	Rotation   int    `json:"rotation"`
	OffsetSecs uint32 `json:"offset_secs"`
}

// FaultList is `leakscope faults --format json`: the scenario and the
// rotations whose streams go half-open, and when.
type FaultList struct {
	Scenario  Scenario `json:"scenario"`
	Rotations int      `json:"rotations"`
	Faults    []Fault  `json:"faults"`
}

// ReadFaultList reads the file `leakscope faults --format json` wrote.
func ReadFaultList(path string) (*FaultList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var list FaultList
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("%s is not a fault list: %w", path, err)
	}
	if list.Scenario.Containers < 1 || list.Scenario.RotationSecs < 1 || list.Scenario.HeartbeatSecs < 1 {
		return nil, fmt.Errorf("%s: the scenario needs containers, rotation_secs and heartbeat_secs above 0", path)
	}
	return &list, nil
}

// IDs are the containers' ids: c0, c1, …
func (l *FaultList) IDs() []string {
	ids := make([]string, l.Scenario.Containers)
	for i := range ids {
		ids[i] = fmt.Sprintf("c%d", i)
	}
	return ids
}
