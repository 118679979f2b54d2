// Classifies one image with a model minnow exported (`minnow export RUN --format onnx`, or
// onnx-int8), in OpenCV's DNN module. Build: g++ -std=c++17 opencv_classify.cpp
// -I/usr/include/opencv4 -lopencv_dnn -lopencv_imgcodecs -lopencv_imgproc -lopencv_core
#include <iostream>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: opencv_classify MODEL.onnx IMAGE SIDE MEAN STD  (a 1-channel model)\n";
    return 2;
  }
  cv::dnn::Net net = cv::dnn::readNetFromONNX(argv[1]);
  const cv::Mat image = cv::imread(argv[2], cv::IMREAD_GRAYSCALE);
  if (image.empty()) return std::cerr << "cannot read " << argv[2] << "\n", 1;
  const int side = std::stoi(argv[3]);
  const double mean = std::stod(argv[4]), stddev = std::stod(argv[5]);
  // (pixel / 255 - mean) / std, shorter side to SIDE and centre-cropped, as minnow's eval transform.
  net.setInput(cv::dnn::blobFromImage(image, 1.0 / (255.0 * stddev), cv::Size(side, side),
                                      cv::Scalar(255.0 * mean), false, true));
  const cv::Mat logits = net.forward();  // (1, K)
  cv::Point best;
  cv::minMaxLoc(logits, nullptr, nullptr, nullptr, &best);
  std::cout << "class " << best.x << " logit " << logits.at<float>(0, best.x) << "\n";
  return 0;
}
