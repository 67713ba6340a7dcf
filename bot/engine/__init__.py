"""Pure logic: matching questions to topics, composing answers, running interviews. No I/O, no Discord."""
