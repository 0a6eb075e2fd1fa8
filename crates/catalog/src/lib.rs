//! The Likeness catalog (skeleton; being written).
