#!/usr/bin/env bash
# The README's first command: install, build (Release), make the demo archive (a Chinese
# Word report, a scan, a photo, a 16-bit film and the hospital's GB18030 manifest) and run
# the demo job (jobs/examples/demo.yaml) on it into a local folder. No PACS needed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/setup.sh --check
cmake --preset release >/dev/null
cmake --build --preset release

/usr/bin/python3 datasets/make_demo.py datasets/generated/demo
rm -rf out/demo out/demo-journal.sqlite*   # a fresh run each time (a kept journal would skip everything)
dcmflow=build/release/jobs/dcmflow
$dcmflow run jobs/examples/demo.yaml --progress none

report=out/demo/胸部CT报告.dcm
$dcmflow preview "$report" -o out/demo/胸部CT报告-page1.png --size 850x1200
$dcmflow validate out/demo/*.dcm
echo "What the manifest said, and what the report's DICOM object holds:"
/usr/bin/python3 - "$report" <<'PY'
import csv, sys
import pydicom
row = next(r for r in csv.DictReader(open("datasets/generated/demo/manifest.csv", encoding="gb18030"))
           if r["文件"].endswith("胸部CT报告.docx"))
dataset = pydicom.dcmread(sys.argv[1], stop_before_pixels=True)
for header, keyword in [("姓名", "PatientName"), ("登记号", "PatientID"), ("性别", "PatientSex"), ("年龄", "PatientAge"),
                        ("出生日期", "PatientBirthDate"), ("体重", "PatientWeight"), ("吸烟史", "SmokingStatus"),
                        ("检查日期", "StudyDate")]:
    print(f"  {header:<5}{row[header]:<16} -> {keyword:<17}{dataset.get(keyword)}")
print(f"  {dataset.NumberOfFrames} frames, {dataset.file_meta.TransferSyntaxUID.name}, "
      f"Specific Character Set {dataset.SpecificCharacterSet}")
PY
echo "Demo output: $(cd out/demo && pwd) (report.html, 胸部CT报告-page1.png inside)"
