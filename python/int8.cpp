// minnow.convert_int8(model, batch=1): a QAT model's real int8 inference form
// (train/qat/int8_model.h), the one `minnow eval --int8` evaluates and `minnow export --format
// int8` writes. Its forward runs numpy images with the GIL released; tensors() gives the int8
// tensors the export holds, read-only (views where the tensor is plain).
#include <mutex>

#include "core/error.h"
#include "python/bindings.h"
#include "python/convert.h"
#include "python/model.h"
#include "train/qat/int8_model.h"

namespace minnow::python {
namespace {

class PyInt8Model {
 public:
  explicit PyInt8Model(std::unique_ptr<Int8Model> int8) : int8_(std::move(int8)) {}

  py::array forward(const FloatArray& images) {
    const Tensor x = images_from_numpy(images, "Int8Model.forward");  // (N, C, H, W)
    Tensor logits;                                                    // (N, K)
    {
      const py::gil_scoped_release release;
      const std::lock_guard lock(mutex_);
      logits = int8_->forward(x);
    }
    return to_numpy(logits, logits.dims(), Access::result);
  }

  py::list tensors() {
    const std::lock_guard lock(mutex_);
    py::list out;
    for (const auto& t : int8_->tensors())
      out.append(py::make_tuple(t.name, to_numpy(t.tensor, t.tensor.dims(), Access::read_only)));
    return out;
  }

  int64_t num_convs() const { return int8_->num_convs(); }

 private:
  std::unique_ptr<Int8Model> int8_;
  std::mutex mutex_;
};

std::shared_ptr<PyInt8Model> convert(Model& model, int64_t batch) {
  const Config& c = model.config();
  MINNOW_CHECK(c.qat.enabled, "convert_int8: needs a QAT-trained model; ", c.model.name,
               " was built with qat.enabled: false");
  MINNOW_CHECK(batch >= 1, "convert_int8: batch is ", batch, "; expected at least 1");
  const int64_t r = c.model.resolution;
  const py::gil_scoped_release release;
  const std::lock_guard lock(model.mutex());
  auto int8 = convert_int8(model.module(), {batch, c.model.in_channels, r, r});
  return std::make_shared<PyInt8Model>(std::move(int8));
}

}  // namespace

void add_int8(py::module_& m) {
  m.def("convert_int8", &convert, py::arg("model"), py::arg("batch") = 1,
        R"doc(The int8 inference form of a QAT-trained model (one minnow.load gave from a qat.enabled run's
checkpoint or config), converted at model.resolution for batch images (other sizes run too).
The model is left in eval mode.)doc");

  py::class_<PyInt8Model, std::shared_ptr<PyInt8Model>>(m, "Int8Model", "A QAT model's int8 form (minnow.convert_int8)")
      .def("forward", &PyInt8Model::forward, py::arg("images"),
           "Logits (N, K) float32 of images (N, C, H, W) normalised as in training")
      .def("__call__", &PyInt8Model::forward, py::arg("images"))
      .def("tensors", &PyInt8Model::tensors,
           "(name, array) pairs, read-only: s8 weights, their scales, f32 biases and every activation scale, as "
           "`minnow export --format int8` writes them")
      .def_property_readonly("num_convs", &PyInt8Model::num_convs);
}

}  // namespace minnow::python
