// Test-file generators. stb_image_write's implementation is compiled here,
// static, for the tests only; the library never writes images.
#include "tests/data/data_files.h"

#include <zlib.h>

#include <fstream>

#include "core/error.h"

// gcc reports null dereferences inside stb_image_write's inlined PNG writer
// (its stretchy buffers); the header is third-party, so only it is exempted.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#include <stb_image_write.h>
#pragma GCC diagnostic pop

namespace minnow::testing {

void write_file(const std::filesystem::path& path, const Bytes& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  write_file(path, Bytes(text.begin(), text.end()));
}

std::shared_ptr<const data::Dataset> cifar_dataset(int n) {
  data::CifarRecords records;
  data::append_cifar(cifar_bytes(data::CifarVariant::cifar10, n), data::CifarVariant::cifar10, "mem.bin", records);
  return std::make_shared<data::CifarDataset>(std::move(records), data::CifarVariant::cifar10);
}

Bytes random_idx_images(int n, Rng& rng) {
  Bytes bytes(static_cast<size_t>(n) * 28 * 28);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng.below(256));
  return bytes;
}

Bytes cyclic_labels(int n) {
  Bytes bytes(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(i % 10);
  return bytes;
}

Bytes write_random_idx(const std::filesystem::path& root, const std::string& prefix, int n, Rng& rng) {
  const auto count = static_cast<uint32_t>(n);
  Bytes pixels = random_idx_images(n, rng);
  write_file(root / (prefix + "-images-idx3-ubyte"), idx_bytes({count, 28, 28}, pixels));
  write_file(root / (prefix + "-labels-idx1-ubyte"), idx_bytes({count}, cyclic_labels(n)));
  return pixels;
}

uint8_t cifar_pixel(int record, int plane, int p) { return static_cast<uint8_t>((record + plane * 3 + p) % 251); }

Bytes cifar_bytes(data::CifarVariant variant, int n, int first_index) {
  Bytes out;
  for (int r = first_index; r < first_index + n; ++r) {
    if (variant == data::CifarVariant::cifar10) {
      out.push_back(static_cast<uint8_t>((r * 7) % 10));
    } else {
      out.push_back(static_cast<uint8_t>(r % 20));
      out.push_back(static_cast<uint8_t>(r % 100));
    }
    for (int plane = 0; plane < 3; ++plane) {
      for (int p = 0; p < 1024; ++p) out.push_back(cifar_pixel(r, plane, p));
    }
  }
  return out;
}

Bytes idx_bytes(const std::vector<uint32_t>& dims, const Bytes& data) {
  Bytes out = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (uint32_t d : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(d >> shift));
  }
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes gzip_bytes(const Bytes& bytes) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&zs, bytes.size()) + 64);
  zs.next_in = const_cast<Bytef*>(bytes.data());
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

data::Image pattern_image(int height, int width, int channels) {
  data::Image image = data::Image::zeros(height, width, channels);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      for (int c = 0; c < channels; ++c) image.at(y, x)[c] = static_cast<uint8_t>((y * 7 + x * 3 + c * 50) % 256);
    }
  }
  return image;
}

Bytes encode_image(const data::Image& image, const std::string& format) {
  Bytes out;
  auto sink = [](void* context, void* data, int size) {
    auto* bytes = static_cast<Bytes*>(context);
    bytes->insert(bytes->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  };
  int ok = 0;
  if (format == "png") {
    ok = stbi_write_png_to_func(sink, &out, image.width, image.height, image.channels, image.pixels.data(),
                                image.width * image.channels);
  } else if (format == "jpg") {
    ok = stbi_write_jpg_to_func(sink, &out, image.width, image.height, image.channels, image.pixels.data(), 95);
  } else if (format == "bmp") {
    ok = stbi_write_bmp_to_func(sink, &out, image.width, image.height, image.channels, image.pixels.data());
  }
  EXPECT_EQ(ok, 1) << "cannot encode " << format;
  return out;
}


}  // namespace minnow::testing
