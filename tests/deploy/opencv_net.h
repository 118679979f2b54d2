// The export tests' ONNX consumer: OpenCV 4.6's DNN module from Debian (libopencv-dnn-dev),
// the runtime a deployed minnow model is checked against.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"

namespace minnow::test_support {

// Loads path with cv::dnn::readNetFromONNX (default backend, CPU target), feeds x
// (N, C, H, W) f32 as the input blob and returns the output blob in row-major order.
std::vector<float> opencv_forward(const std::string& path, const Tensor& x);

}  // namespace minnow::test_support
