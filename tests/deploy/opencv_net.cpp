// opencv_forward: a 4-D cv::Mat over a copy of x's logical values, one forward.
#include "tests/deploy/opencv_net.h"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

namespace minnow::test_support {

std::vector<float> opencv_forward(const std::string& path, const Tensor& x) {
  cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
  net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  std::vector<float> values = x.to_plain();
  const Dims d = x.dims();
  const int sizes[4] = {static_cast<int>(d[0]), static_cast<int>(d[1]), static_cast<int>(d[2]), static_cast<int>(d[3])};
  const cv::Mat blob(4, sizes, CV_32F, values.data());
  net.setInput(blob);
  const cv::Mat out = net.forward().clone();
  return std::vector<float>(out.ptr<float>(), out.ptr<float>() + out.total());
}

}  // namespace minnow::test_support
