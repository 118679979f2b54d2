// OpenCV DNN's inference latency on minnow's own float ONNX export of a zoo model, the
// counterpart of `minnow bench --eval --batch 1` (bench/compare_latency.py runs both): the
// model built from its spec (random init, eval mode), exported (deploy/onnx_export.h: BN
// folded, opset 10), read back by cv::dnn::readNetFromONNX on OpenCV's own CPU backend with
// cv::setNumThreads(threads), 2 warm-up forwards, then one JSON object with the median, min and
// max ms of --steps forwards. An export OpenCV cannot load or run exits 1 with one line saying why.
// usage: opencv_latency --model M [--resolution 224] [--batch 1] [--threads 2] [--steps 10]
//                       [--width W] [--groups G] [--num-classes 10] [--small-input] [--onnx FILE]
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>

#include "core/engine.h"
#include "deploy/onnx_export.h"
#include "train/cli/bench_common.h"
#include "train/cli/model_options.h"

namespace {

using namespace minnow;
namespace fs = std::filesystem;

constexpr int kWarmup = 2;

struct Args : cli::InferenceBenchArgs {
  std::string onnx;  // where to keep the export; empty: a temporary file
};

// The bytes of the model's float ONNX export, written to a.onnx or to a temporary file removed here.
std::vector<uchar> exported_onnx(const Args& a) {
  const fs::path path = a.onnx.empty()
                            ? fs::temp_directory_path() / ("opencv_latency_" + std::to_string(getpid()) + ".onnx")
                            : fs::path(a.onnx);
  auto model = create_model(a.spec);
  model->eval();
  export_onnx_float(path.string(), *model,
                    {.input_dims = {1, a.spec.in_channels, a.resolution, a.resolution}, .metadata = {}});
  std::ifstream in(path, std::ios::binary);
  std::vector<uchar> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (a.onnx.empty()) fs::remove(path);
  return bytes;
}

// OpenCV's multi-line exception text as one line.
std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

int run(const Args& a) {
  set_num_threads(a.threads);  // minnow's side: the export's traced forward
  cv::setNumThreads(a.threads);
  const std::vector<uchar> onnx = exported_onnx(a);

  Rng rng(0);
  std::vector<float> pixels = cli::random_images(a, rng).to_plain();  // (N, C, R, R)
  const int sizes[4] = {static_cast<int>(a.batch), static_cast<int>(a.spec.in_channels), static_cast<int>(a.resolution),
                        static_cast<int>(a.resolution)};
  const cv::Mat blob(4, sizes, CV_32F, pixels.data());

  cv::dnn::Net net;
  const auto forward = [&] {
    net.setInput(blob);
    (void)net.forward();
  };
  try {
    net = cv::dnn::readNetFromONNX(onnx);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    for (int i = 0; i < kWarmup; ++i) forward();
  } catch (const cv::Exception& e) {
    std::fprintf(stderr, "opencv_latency: error: OpenCV %s cannot run %s's ONNX export: %s\n", CV_VERSION,
                 a.spec.name.c_str(), one_line(e.what()).c_str());
    return 1;
  }

  std::vector<double> ms;
  for (int i = 0; i < a.steps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    forward();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  const auto [lo, hi] = std::minmax_element(ms.begin(), ms.end());
  const double median_ms = cli::median(ms);
  const nlohmann::json out = {{"model", a.spec.name},
                              {"width", a.spec.width},
                              {"groups", a.spec.groups},
                              {"resolution", a.resolution},
                              {"batch", a.batch},
                              {"threads", a.threads},
                              {"steps", a.steps},
                              {"opencv", CV_VERSION},
                              {"opencv_threads", cv::getNumThreads()},
                              {"onnx_bytes", onnx.size()},
                              {"images_per_second", static_cast<double>(a.batch) * 1000.0 / median_ms},
                              {"ms_per_batch", median_ms},
                              {"ms_min", *lo},
                              {"ms_max", *hi},
                              {"peak_rss_mib", cli::peak_rss_mib()}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"OpenCV DNN inference latency on a zoo model's float ONNX export; prints one JSON object"};
  Args args;
  args.spec.num_classes = 10;
  args.batch = 1;
  cli::add_model_options(app, args.spec, args.resolution);
  app.add_option("--batch", args.batch, "Batch size")->capture_default_str()->check(CLI::Range(1, 65536));
  app.add_option("--threads", args.threads, "cv::setNumThreads")->capture_default_str()->check(CLI::Range(1, 1024));
  app.add_option("--steps", args.steps, "Timed forwards (after 2 warm-up ones); the median is reported")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--onnx", args.onnx, "Keep the exported model in this file (default: a temporary one)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return run(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "opencv_latency: error: %s\n", e.what());
    return 1;
  }
}
