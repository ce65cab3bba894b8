#include "send/send_files.hpp"

#include <dcmtk/config/osconfig.h>  // first, as DCMTK asks
#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "store/part10_identity.hpp"

namespace dcmflow::send {
namespace {

std::string bytes_of(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class sending_files : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() / ("send_files_" + std::to_string(::getpid()));
    std::filesystem::create_directories(root_ / "in");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // A Secondary Capture of `rows` x 64 8-bit pixels: above 4 KiB its pixels are read from
  // the file only when sent.
  std::filesystem::path write_instance(const std::string& name, const std::string& uid, std::uint16_t rows) {
    DcmFileFormat file;
    DcmDataset& data = *file.getDataset();
    data.putAndInsertString(DCM_SOPClassUID, UID_SecondaryCaptureImageStorage);
    data.putAndInsertString(DCM_SOPInstanceUID, uid.c_str());
    data.putAndInsertString(DCM_StudyInstanceUID, "1.2.3.4");
    data.putAndInsertString(DCM_SeriesInstanceUID, "1.2.3.4.5");
    data.putAndInsertString(DCM_PatientID, "SEND-1");
    data.putAndInsertUint16(DCM_Rows, rows);
    data.putAndInsertUint16(DCM_Columns, 64);
    data.putAndInsertUint16(DCM_SamplesPerPixel, 1);
    data.putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
    data.putAndInsertUint16(DCM_BitsAllocated, 8);
    data.putAndInsertUint16(DCM_BitsStored, 8);
    data.putAndInsertUint16(DCM_HighBit, 7);
    data.putAndInsertUint16(DCM_PixelRepresentation, 0);
    std::vector<Uint8> pixels(static_cast<std::size_t>(rows) * 64);
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<Uint8>(i * 7 + rows);
    data.putAndInsertUint8Array(DCM_PixelData, pixels.data(), static_cast<unsigned long>(pixels.size()));
    std::filesystem::path path = root_ / "in" / name;
    EXPECT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
    return path;
  }

  std::vector<convert::input_file> inputs_of(const std::vector<std::filesystem::path>& files) const {
    std::vector<convert::input_file> inputs;
    for (const auto& file : files) {
      convert::input_file input;
      input.path = file;
      input.name = file.filename().string();
      input.named_directly = true;
      inputs.push_back(input);
    }
    return inputs;
  }

  std::filesystem::path root_;
};

TEST_F(sending_files, every_file_arrives_byte_for_byte_and_records_keep_the_input_order) {
  const std::vector<std::filesystem::path> files = {write_instance("a.dcm", "1.2.3.4.5.1", 2),
                                                    write_instance("b.dcm", "1.2.3.4.5.2", 300),
                                                    write_instance("c.dcm", "1.2.3.4.5.3", 40)};
  const auto inputs = inputs_of(files);
  send_options options;
  options.destinations.push_back(std::make_shared<store::folder_destination>(root_ / "out"));
  options.senders = 3;
  const std::vector<item_record> records = send_files(inputs, options);
  ASSERT_EQ(records.size(), 3U);
  for (std::size_t i = 0; i < files.size(); ++i) {
    EXPECT_EQ(records[i].input, files[i].filename().string());
    EXPECT_EQ(records[i].status, item_status::converted) << records[i].error;
    ASSERT_EQ(records[i].instances.size(), 1U);
    EXPECT_EQ(records[i].instances[0].sop_instance_uid, "1.2.3.4.5." + std::to_string(i + 1));
    EXPECT_EQ(records[i].instances[0].sop_class_uid, UID_SecondaryCaptureImageStorage);
    EXPECT_EQ(records[i].instances[0].transfer_syntax_uid, UID_LittleEndianExplicitTransferSyntax);
    ASSERT_EQ(records[i].outputs.size(), 1U);
    EXPECT_EQ(bytes_of(root_ / "out" / records[i].outputs[0]), bytes_of(files[i]));
  }
}

TEST_F(sending_files, a_file_that_is_not_dicom_fails_with_its_reason_and_the_others_are_sent) {
  const std::filesystem::path text = root_ / "in" / "notes.txt";
  std::ofstream(text) << "not DICOM";
  const auto inputs = inputs_of({write_instance("a.dcm", "1.2.3.4.5.1", 2), text, root_ / "in" / "gone.dcm",
                                 write_instance("b.dcm", "1.2.3.4.5.2", 2)});
  send_options options;
  options.destinations.push_back(std::make_shared<store::folder_destination>(root_ / "out"));
  const std::vector<item_record> records = send_files(inputs, options);
  ASSERT_EQ(records.size(), 4U);
  EXPECT_EQ(records[0].status, item_status::converted);
  EXPECT_EQ(records[1].status, item_status::failed);
  EXPECT_EQ(records[1].error, "not a DICOM Part 10 file");
  EXPECT_TRUE(records[1].outputs.empty());
  EXPECT_EQ(records[2].status, item_status::failed);
  EXPECT_NE(records[2].error.find("No such file or directory"), std::string::npos) << records[2].error;
  EXPECT_EQ(records[3].status, item_status::converted);
  EXPECT_FALSE(std::filesystem::exists(root_ / "out" / "notes.dcm"));
}

TEST_F(sending_files, identity_from_bytes_and_from_the_file_agree) {
  const std::filesystem::path file = write_instance("a.dcm", "1.2.3.4.5.9", 100);
  auto from_file = store::read_part10_file_identity(file);
  auto from_bytes = store::read_part10_identity(bytes_of(file));
  ASSERT_TRUE(from_file) << from_file.error().message;
  ASSERT_TRUE(from_bytes) << from_bytes.error().message;
  EXPECT_EQ(from_file->sop_instance_uid, "1.2.3.4.5.9");
  EXPECT_EQ(from_bytes->sop_instance_uid, "1.2.3.4.5.9");
  EXPECT_EQ(from_file->sop_class_uid, from_bytes->sop_class_uid);
  EXPECT_EQ(from_file->transfer_syntax_uid, UID_LittleEndianExplicitTransferSyntax);
  EXPECT_EQ(from_bytes->transfer_syntax_uid, UID_LittleEndianExplicitTransferSyntax);
  EXPECT_FALSE(store::read_part10_identity(std::string(200, 'x')));
}

}  // namespace
}  // namespace dcmflow::send
