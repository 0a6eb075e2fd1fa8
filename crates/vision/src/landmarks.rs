//! dlib 5-point shape predictor (being written).
