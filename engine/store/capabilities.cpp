#include "store/capabilities.hpp"

#include <dcmtk/config/osconfig.h>  // first, as DCMTK asks
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/assoc.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>

#include "store/dcmtk_scu.hpp"
#include "store/stow_destination.hpp"
#include "store/web_capabilities.hpp"

namespace dcmflow::store {
namespace {

constexpr std::array<std::string_view, 5> storage_classes_written = {
    UID_SecondaryCaptureImageStorage,
    UID_MultiframeGrayscaleByteSecondaryCaptureImageStorage,
    UID_MultiframeGrayscaleWordSecondaryCaptureImageStorage,
    UID_MultiframeTrueColorSecondaryCaptureImageStorage,
    UID_EncapsulatedPDFStorage,
};

constexpr std::array<std::string_view, 10> services = {
    UID_VerificationSOPClass,
    UID_StorageCommitmentPushModelSOPClass,
    UID_FINDStudyRootQueryRetrieveInformationModel,
    UID_GETStudyRootQueryRetrieveInformationModel,
    UID_MOVEStudyRootQueryRetrieveInformationModel,
    UID_UnifiedProcedureStepPushSOPClass,
    UID_UnifiedProcedureStepWatchSOPClass,
    UID_UnifiedProcedureStepPullSOPClass,
    UID_UnifiedProcedureStepEventSOPClass,
    UID_UnifiedProcedureStepQuerySOPClass,
};

// PS3.8 9.3.2.2: presentation context IDs are the odd numbers 1 to 255.
constexpr std::size_t contexts_per_association = 128;

struct proposal {
  std::string abstract_syntax;
  std::vector<std::string> transfer_syntaxes;
};

// PS3.8 Table 9-18, the Result/Reason of a presentation context.
std::string words_of(T_ASC_P_ResultReason answer) {
  switch (answer) {
    case ASC_P_ACCEPTANCE: return "accepted";
    case ASC_P_USERREJECTION: return "refused by the peer (user rejection)";
    case ASC_P_NOREASON: return "refused (no reason given)";
    case ASC_P_ABSTRACTSYNTAXNOTSUPPORTED: return "abstract syntax not supported";
    case ASC_P_TRANSFERSYNTAXESNOTSUPPORTED: return "transfer syntax not supported";
    case ASC_P_NOTYETNEGOTIATED: break;
  }
  return "not answered";
}

// One association for up to 128 proposals; the answers in the order proposed.
result<std::vector<context_answer>> ask(const dicom_url& peer, DcmTransportLayer* tls,
                                        std::span<const proposal> proposals) {
  std::vector<context_answer> answers;
  auto asked = with_raw_association(
      peer, tls,
      [&](T_ASC_Parameters* parameters) {
        for (std::size_t index = 0; index < proposals.size(); ++index) {
          std::vector<const char*> syntaxes;
          for (const auto& syntax : proposals[index].transfer_syntaxes) syntaxes.push_back(syntax.c_str());
          (void)ASC_addPresentationContext(parameters, static_cast<T_ASC_PresentationContextID>(2 * index + 1),
                                           proposals[index].abstract_syntax.c_str(), syntaxes.data(),
                                           static_cast<int>(syntaxes.size()));
        }
      },
      [&](T_ASC_Parameters* parameters) {
        std::map<int, T_ASC_P_ResultReason> by_id;
        const int count = ASC_countPresentationContexts(parameters);
        for (int index = 0; index < count; ++index) {
          T_ASC_PresentationContext context{};
          if (ASC_getPresentationContext(parameters, index, &context).good()) {
            by_id[context.presentationContextID] = context.resultReason;
          }
        }
        for (std::size_t index = 0; index < proposals.size(); ++index) {
          const auto found = by_id.find(static_cast<int>(2 * index + 1));
          const T_ASC_P_ResultReason answer = found == by_id.end() ? ASC_P_NOTYETNEGOTIATED : found->second;
          answers.push_back({proposals[index].abstract_syntax, proposals[index].transfer_syntaxes.front(),
                             answer == ASC_P_ACCEPTANCE, words_of(answer)});
        }
      });
  if (!asked) return asked.error();
  return answers;
}

// A refused syntax that the peer called an unsupported class, where the same class went
// through uncompressed: say what was refused, and what the peer said.
void tell_syntax_from_class(std::vector<context_answer>& answers) {
  std::map<std::string, bool> plain_accepted;
  for (const auto& answer : answers) {
    if (answer.transfer_syntax == UID_LittleEndianExplicitTransferSyntax) {
      plain_accepted[answer.abstract_syntax] = answer.accepted;
    }
  }
  for (auto& answer : answers) {
    const auto plain = plain_accepted.find(answer.abstract_syntax);
    if (!answer.accepted && answer.reason == "abstract syntax not supported" && plain != plain_accepted.end() &&
        plain->second) {
      answer.reason =
          "transfer syntax not supported (the peer said \"abstract syntax not supported\", but takes "
          "this class in Explicit VR Little Endian)";
    }
  }
}

}  // namespace

// codec: auto, for each kind of destination (destination::choose_automatic_codec).

result<automatic_codec> folder_destination::choose_automatic_codec(std::span<const codec_choice> by_preference) const {
  if (by_preference.empty()) return automatic_codec{"none", {}};
  return automatic_codec{by_preference.front().codec, {}};
}

// A DICOMweb server says which syntaxes it takes only through a vendor's endpoint.
result<automatic_codec> stow_destination::choose_automatic_codec(std::span<const codec_choice> by_preference) const {
  auto found = probe_web_capabilities(where());
  if (!found) return failure{"codec: auto could not ask " + url() + ": " + found.error().message};
  const auto& syntaxes = found->transfer_syntaxes;
  if (syntaxes.empty()) {
    return failure{url() +
                   ": codec: auto cannot tell which transfer syntaxes this DICOMweb server accepts "
                   "(no known vendor endpoint answered): give a codec"};
  }
  for (const codec_choice& choice : by_preference) {
    if (std::find(syntaxes.begin(), syntaxes.end(), choice.transfer_syntax) != syntaxes.end()) {
      return automatic_codec{choice.codec, {}};
    }
  }
  return automatic_codec{"none", {}};
}

result<automatic_codec> dimse_destination::choose_automatic_codec(std::span<const codec_choice> by_preference) const {
  std::vector<std::string> classes(storage_classes_written.begin(), storage_classes_written.end());
  std::vector<std::string> syntaxes{UID_LittleEndianExplicitTransferSyntax};
  for (const codec_choice& choice : by_preference) {
    if (std::find(syntaxes.begin(), syntaxes.end(), choice.transfer_syntax) == syntaxes.end()) {
      syntaxes.push_back(choice.transfer_syntax);
    }
  }
  auto found = probe_capabilities(where(), classes, syntaxes);
  if (!found) return failure{url() + ": codec: auto could not ask what it accepts: " + found.error().message};
  automatic_codec chosen{best_lossless_codec(*found, by_preference), {}};
  for (const auto& sop_class : classes) {
    if (!found->accepts(sop_class, UID_LittleEndianExplicitTransferSyntax)) chosen.refused.push_back(sop_class);
  }
  return chosen;
}

bool peer_capabilities::accepts(std::string_view sop_class, std::string_view transfer_syntax) const {
  return std::any_of(contexts.begin(), contexts.end(), [&](const context_answer& answer) {
    return answer.accepted && answer.abstract_syntax == sop_class && answer.transfer_syntax == transfer_syntax;
  });
}

std::span<const std::string_view> written_storage_classes() { return storage_classes_written; }

std::string best_lossless_codec(const peer_capabilities& peer, std::span<const codec_choice> by_preference) {
  const auto image_classes = std::span(storage_classes_written).first(4);  // Encapsulated PDF has no pixels
  for (const codec_choice& choice : by_preference) {
    const bool everywhere = std::all_of(image_classes.begin(), image_classes.end(), [&](std::string_view sop_class) {
      return peer.accepts(sop_class, choice.transfer_syntax);
    });
    if (everywhere) return choice.codec;
  }
  return "none";
}

std::span<const std::string_view> probed_services() { return services; }

std::string uid_keyword(const std::string& uid) {
  const char* name = dcmFindNameOfUID(uid.c_str(), nullptr);
  return name != nullptr ? std::string(name) : uid;
}

result<peer_capabilities> probe_capabilities(const dicom_url& peer, std::span<const std::string> storage_classes,
                                             std::span<const std::string> syntaxes) {
  std::vector<proposal> proposals;
  for (const auto& sop_class : storage_classes) {
    for (const auto& syntax : syntaxes) proposals.push_back({sop_class, {syntax}});
  }
  for (const auto service : services) {
    proposals.push_back(
        {std::string(service), {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax}});
  }
  std::unique_ptr<DcmTransportLayer> tls;
  if (peer.tls) {
    auto layer = make_tls_layer(peer);
    if (!layer) return layer.error();
    tls = std::move(layer).value();
  }
  peer_capabilities found;
  for (std::size_t first = 0; first < proposals.size(); first += contexts_per_association) {
    const std::size_t count = std::min(contexts_per_association, proposals.size() - first);
    auto answers = ask(peer, tls.get(), std::span(proposals).subspan(first, count));
    if (!answers) return answers.error();
    found.contexts.insert(found.contexts.end(), answers->begin(), answers->end());
  }
  tell_syntax_from_class(found.contexts);
  return found;
}

}  // namespace dcmflow::store
