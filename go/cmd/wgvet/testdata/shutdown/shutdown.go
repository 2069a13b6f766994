// Package shutdown: waits on a group holding a goroutine that ends on a
// stop signal, placed before or after the signal.
package shutdown

import (
	"context"
	"sync"
	"time"
)

type client struct {
	heartbeatWg sync.WaitGroup
	stopCh      chan struct{}
	ctx         context.Context
	cancel      context.CancelFunc
	loopWg      sync.WaitGroup
}

func (c *client) heartbeat() {
	defer c.heartbeatWg.Done()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-c.stopCh:
			return
		case <-tick.C:
		}
	}
}

func (c *client) connect() {
	c.stopCh = make(chan struct{})
	c.heartbeatWg.Add(1)
	go c.heartbeat()
}

// Reconnect waits for the heartbeat, and only then stops it.
func (c *client) Reconnect() {
	c.heartbeatWg.Wait() // want WG004
	close(c.stopCh)
	c.connect()
}

// Reset stops the heartbeat, then waits: not flagged.
func (c *client) Reset() {
	close(c.stopCh)
	c.heartbeatWg.Wait()
	c.connect()
}

func (c *client) loop() {
	defer c.loopWg.Done()
	for c.ctx.Err() == nil {
		time.Sleep(time.Second)
	}
}

func (c *client) Run() {
	c.ctx, c.cancel = context.WithCancel(context.Background())
	c.loopWg.Add(1)
	go c.loop()
}

// Restart cancels through a helper, then waits: not flagged.
func (c *client) Restart() {
	for range 3 {
		c.halt()
		c.loopWg.Wait()
		c.Run()
	}
}

func (c *client) halt() { c.cancel() }

// Close waits only after the stop was observed: not flagged.
func (c *client) Close() {
	for {
		select {
		case <-c.ctx.Done():
			c.loopWg.Wait()
			return
		case <-time.After(time.Second):
		}
	}
}
