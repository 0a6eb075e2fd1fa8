//! Library scanning and watching (skeleton; being written).
