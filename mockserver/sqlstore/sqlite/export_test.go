package sqlite

// SetPassHook has the checkpointers opened after it report each pass to
// f, and sets the writer's own checkpoint threshold to frames (0 leaves
// it); the func it returns undoes both. Tests that call it must not run
// in parallel.
func SetPassHook(f func(busy bool, frames, copied int, err error), frames int) (undo func()) {
	oldHook, oldFrames := passHook, autoCheckpoint
	passHook = f
	if frames > 0 {
		autoCheckpoint = frames
	}
	return func() { passHook, autoCheckpoint = oldHook, oldFrames }
}
