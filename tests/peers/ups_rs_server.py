#!/usr/bin/python3
"""A strict UPS-RS origin server (DICOM PS3.18 chapter 11 "Worklist Service", PS3.4 Annex CC
"Unified Procedure Step Service and SOP Classes") for dcmflow's tests.

No UPS-RS server installs offline on Debian 12, so dcmflow's UPS client is tested against this
fixture. It is strict on purpose: a client that only works against a lenient server is
worthless. The standard's rules are written out as tables below (state transitions, status
codes, N-CREATE / N-SET / Final State attribute requirements) and every refusal names the
PS3.4 status code and the PS3.18 Warning text that apply.

Sources: PS3.4 Annex CC and PS3.18 chapters 8, 11 and Annex F as published in the DICOM
standard (text read from the 2020 edition and, for the sections quoted in comments, the
current dicom.nema.org pages). Where the standard leaves a choice to the server, or where
something could not be confirmed, a comment starting "NOT CONFIRMED" or "CHOICE" says so.

Python 3.11 standard library only. Listens on 127.0.0.1 only.

    ups_rs_server.py --port 0 --port-file FILE [--dialect standard|transaction-uid|
                     transaction-in-body|dcm4chee] [--log FILE]

Service root: http://127.0.0.1:PORT/ups-rs . Test-only endpoints live under /_fixture/.
"""

import argparse
import base64
import collections
import datetime
import hashlib
import http.server
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid

# ---------------------------------------------------------------------------------------------
# Well-known UIDs and values
# ---------------------------------------------------------------------------------------------

UPS_PUSH_SOP_CLASS = "1.2.840.10008.5.1.4.34.6.1"      # PS3.4 CC.3.1: every UPS Instance's class
GLOBAL_SUBSCRIPTION_UID = "1.2.840.10008.5.1.4.34.5"   # PS3.4 CC.3.1.2
FILTERED_SUBSCRIPTION_UID = "1.2.840.10008.5.1.4.34.5.1"  # PS3.4 CC.2.3.2
WELL_KNOWN_SUBSCRIPTION_UIDS = (GLOBAL_SUBSCRIPTION_UID, FILTERED_SUBSCRIPTION_UID)

SCHEDULED, IN_PROGRESS, COMPLETED, CANCELED = "SCHEDULED", "IN PROGRESS", "COMPLETED", "CANCELED"
STATES = (SCHEDULED, IN_PROGRESS, COMPLETED, CANCELED)

# PS3.4 Table CC.2.4-1 Event Type IDs
EVENT_STATE_REPORT, EVENT_CANCEL_REQUESTED, EVENT_PROGRESS_REPORT, EVENT_SCP_STATUS, EVENT_ASSIGNED = 1, 2, 3, 4, 5

# CID 9300 "Procedure Discontinuation Reasons": used when the server itself cancels a SCHEDULED
# workitem on a Request Cancellation that carried no reason code (PS3.4 CC.2.2.3 makes the SCP
# responsible for meeting the Final State requirements in that case).
DEFAULT_DISCONTINUATION_CODE = {"00080100": {"vr": "SH", "Value": ["110513"]},
                                "00080102": {"vr": "SH", "Value": ["DCM"]},
                                "00080104": {"vr": "LO", "Value": ["Discontinued for unspecified reason"]}}
DEFAULT_WORKLIST_LABEL = "FIXTURE"

MEDIA_TYPE = "application/dicom+json"
MAX_RESULTS = 1000  # PS3.18 8.3.4.4.1 "maxResults"

# ---------------------------------------------------------------------------------------------
# Data dictionary: the attributes this fixture knows (keyword, tag, VR), from PS3.6.
# ---------------------------------------------------------------------------------------------

_DICTIONARY = [
    ("AffectedSOPClassUID", "00000002", "UI"), ("MessageID", "00000110", "US"),
    ("AffectedSOPInstanceUID", "00001000", "UI"), ("EventTypeID", "00001002", "US"),
    ("SpecificCharacterSet", "00080005", "CS"), ("SOPClassUID", "00080016", "UI"),
    ("SOPInstanceUID", "00080018", "UI"), ("TransactionUID", "00081195", "UI"),
    ("TimezoneOffsetFromUTC", "00080201", "SH"),
    ("ScheduledProcedureStepPriority", "00741200", "CS"),
    ("ScheduledProcedureStepModificationDateTime", "00404010", "DT"),
    ("ProcedureStepLabel", "00741204", "LO"), ("WorklistLabel", "00741202", "LO"),
    ("ScheduledProcessingParametersSequence", "00741210", "SQ"),
    ("ScheduledStationNameCodeSequence", "00404025", "SQ"),
    ("ScheduledStationClassCodeSequence", "00404026", "SQ"),
    ("ScheduledStationGeographicLocationCodeSequence", "00404027", "SQ"),
    ("ScheduledHumanPerformersSequence", "00404034", "SQ"),
    ("HumanPerformerCodeSequence", "00404009", "SQ"), ("HumanPerformerName", "00404037", "PN"),
    ("HumanPerformerOrganization", "00404036", "LO"),
    ("ScheduledProcedureStepStartDateTime", "00404005", "DT"),
    ("ExpectedCompletionDateTime", "00404011", "DT"),
    ("ScheduledProcedureStepExpirationDateTime", "00404008", "DT"),
    ("ScheduledWorkitemCodeSequence", "00404018", "SQ"),
    ("CommentsOnTheScheduledProcedureStep", "00400400", "LT"),
    ("InputReadinessState", "00404041", "CS"), ("InputInformationSequence", "00404021", "SQ"),
    ("StudyInstanceUID", "0020000D", "UI"), ("OutputDestinationSequence", "00404070", "SQ"),
    ("DICOMStorageSequence", "00404071", "SQ"), ("DestinationAE", "21000140", "AE"),
    ("STOWRSStorageSequence", "00404072", "SQ"), ("StorageURL", "00404073", "UR"),
    ("XDSStorageSequence", "00404074", "SQ"),
    ("PatientName", "00100010", "PN"), ("PatientID", "00100020", "LO"),
    ("IssuerOfPatientID", "00100021", "LO"), ("IssuerOfPatientIDQualifiersSequence", "00100024", "SQ"),
    ("UniversalEntityID", "00400032", "UT"), ("UniversalEntityIDType", "00400033", "CS"),
    ("IdentifierTypeCode", "00400035", "CS"), ("AssigningFacilitySequence", "00400036", "SQ"),
    ("AssigningJurisdictionCodeSequence", "00400039", "SQ"),
    ("AssigningAgencyOrDepartmentCodeSequence", "0040003A", "SQ"),
    ("LocalNamespaceEntityID", "00400031", "UT"), ("OtherPatientIDsSequence", "00101002", "SQ"),
    ("TypeOfPatientID", "00100022", "CS"), ("PatientBirthDate", "00100030", "DA"),
    ("PatientSex", "00100040", "CS"), ("ReferencedPatientPhotoSequence", "00101100", "SQ"),
    ("AdmissionID", "00380010", "LO"), ("IssuerOfAdmissionIDSequence", "00380014", "SQ"),
    ("AdmittingDiagnosesDescription", "00081080", "LO"),
    ("AdmittingDiagnosesCodeSequence", "00081084", "SQ"),
    ("ReferencedRequestSequence", "0040A370", "SQ"), ("AccessionNumber", "00080050", "SH"),
    ("IssuerOfAccessionNumberSequence", "00080051", "SQ"),
    ("PlacerOrderNumberImagingServiceRequest", "00402016", "LO"),
    ("OrderPlacerIdentifierSequence", "00400026", "SQ"),
    ("FillerOrderNumberImagingServiceRequest", "00402017", "LO"),
    ("OrderFillerIdentifierSequence", "00400027", "SQ"), ("RequestedProcedureID", "00401001", "SH"),
    ("RequestedProcedureDescription", "00321060", "LO"),
    ("RequestedProcedureCodeSequence", "00321064", "SQ"),
    ("ReasonForTheRequestedProcedure", "00401002", "LO"),
    ("ReasonForRequestedProcedureCodeSequence", "0040100A", "SQ"),
    ("RequestedProcedureComments", "00401400", "LT"), ("ConfidentialityCode", "00401008", "LO"),
    ("NamesOfIntendedRecipientsOfResults", "00401010", "PN"),
    ("ImagingServiceRequestComments", "00402400", "LT"), ("RequestingPhysician", "00321032", "PN"),
    ("RequestingService", "00321033", "LO"), ("RequestingServiceCodeSequence", "00321034", "SQ"),
    ("IssueDateOfImagingServiceRequest", "00402004", "DA"),
    ("IssueTimeOfImagingServiceRequest", "00402005", "TM"),
    ("ReferringPhysicianName", "00080090", "PN"), ("ReplacedProcedureStepSequence", "00741224", "SQ"),
    ("ReferencedSOPClassUID", "00081150", "UI"), ("ReferencedSOPInstanceUID", "00081155", "UI"),
    ("MedicalAlerts", "00102000", "LO"), ("PregnancyStatus", "001021C0", "US"),
    ("SpecialNeeds", "00380050", "LO"), ("ProcedureStepState", "00741000", "CS"),
    ("ProcedureStepProgressInformationSequence", "00741002", "SQ"),
    ("ProcedureStepProgress", "00741004", "DS"), ("ProcedureStepProgressDescription", "00741006", "ST"),
    ("ProcedureStepProgressParametersSequence", "00741007", "SQ"),
    ("ContentItemModifierSequence", "00400441", "SQ"),
    ("ProcedureStepCommunicationsURISequence", "00741008", "SQ"), ("ContactURI", "0074100A", "UR"),
    ("ContactDisplayName", "0074100C", "LO"), ("ProcedureStepCancellationDateTime", "00404052", "DT"),
    ("ReasonForCancellation", "00741238", "LT"),
    ("ProcedureStepDiscontinuationReasonCodeSequence", "0074100E", "SQ"),
    ("UnifiedProcedureStepPerformedProcedureSequence", "00741216", "SQ"),
    ("ActualHumanPerformersSequence", "00404035", "SQ"),
    ("PerformedStationNameCodeSequence", "00404028", "SQ"),
    ("PerformedStationClassCodeSequence", "00404029", "SQ"),
    ("PerformedStationGeographicLocationCodeSequence", "00404030", "SQ"),
    ("PerformedProcedureStepStartDateTime", "00404050", "DT"),
    ("PerformedProcedureStepDescription", "00400254", "LO"),
    ("CommentsOnThePerformedProcedureStep", "00400280", "ST"),
    ("PerformedWorkitemCodeSequence", "00404019", "SQ"),
    ("PerformedProcessingParametersSequence", "00741212", "SQ"),
    ("PerformedProcedureStepEndDateTime", "00404051", "DT"), ("OutputInformationSequence", "00404033", "SQ"),
    ("CodeValue", "00080100", "SH"), ("CodingSchemeDesignator", "00080102", "SH"),
    ("CodingSchemeVersion", "00080103", "SH"), ("CodeMeaning", "00080104", "LO"),
    ("LongCodeValue", "00080119", "UC"), ("URNCodeValue", "00080120", "UR"),
    ("MappingResource", "00080105", "CS"), ("MappingResourceUID", "00080118", "UI"),
    ("MappingResourceName", "00080122", "LO"), ("ContextGroupVersion", "00080106", "DT"),
    ("ContextGroupExtensionFlag", "0008010B", "CS"), ("ContextGroupLocalVersion", "00080107", "DT"),
    ("ContextGroupExtensionCreatorUID", "0008010D", "UI"), ("ContextIdentifier", "0008010F", "CS"),
    ("ContextUID", "00080117", "UI"), ("EquivalentCodeSequence", "00080121", "SQ"),
    ("ValueType", "0040A040", "CS"), ("ConceptNameCodeSequence", "0040A043", "SQ"),
    ("DateTime", "0040A120", "DT"), ("Date", "0040A121", "DA"), ("Time", "0040A122", "TM"),
    ("PersonName", "0040A123", "PN"), ("UID", "0040A124", "UI"), ("TextValue", "0040A160", "UT"),
    ("ConceptCodeSequence", "0040A168", "SQ"), ("NumericValue", "0040A30A", "DS"),
    ("MeasurementUnitsCodeSequence", "004008EA", "SQ"), ("FloatingPointValue", "0040A161", "FD"),
    ("RationalNumeratorValue", "0040A162", "SL"), ("RationalDenominatorValue", "0040A163", "UL"),
    ("TypeOfInstances", "0040E020", "CS"), ("SeriesInstanceUID", "0020000E", "UI"),
    ("ReferencedSOPSequence", "00081199", "SQ"), ("HL7InstanceIdentifier", "0040E001", "ST"),
    ("ReferencedFrameNumber", "00081160", "IS"), ("ReferencedSegmentNumber", "0062000B", "US"),
    ("DICOMRetrievalSequence", "0040E021", "SQ"), ("RetrieveAETitle", "00080054", "AE"),
    ("DICOMMediaRetrievalSequence", "0040E022", "SQ"), ("StorageMediaFileSetID", "00880130", "SH"),
    ("StorageMediaFileSetUID", "00880140", "UI"), ("WADORetrievalSequence", "0040E023", "SQ"),
    ("RetrieveURI", "0040E010", "UR"), ("XDSRetrievalSequence", "0040E024", "SQ"),
    ("RepositoryUniqueID", "0040E030", "UI"), ("HomeCommunityID", "0040E031", "UI"),
    ("WADORSRetrievalSequence", "0040E025", "SQ"), ("RetrieveURL", "00081190", "UR"),
    ("RequestingAE", "00741236", "AE"), ("ReceivingAE", "00741234", "AE"),
    ("DeletionLock", "00741230", "LO"), ("SCPStatus", "00741242", "CS"),
    ("SubscriptionListStatus", "00741244", "CS"), ("UnifiedProcedureStepListStatus", "00741246", "CS"),
    ("PatientAge", "00101010", "AS"), ("PatientWeight", "00101030", "DS"), ("PatientSize", "00101020", "DS"),
    ("OtherPatientNames", "00101001", "PN"), ("PatientComments", "00104000", "LT"),
    ("EthnicGroup", "00102160", "SH"), ("PatientBirthTime", "00100032", "TM"),
]
KEYWORD = {kw: (tag, vr) for kw, tag, vr in _DICTIONARY}
TAG = {tag: (kw, vr) for kw, tag, vr in _DICTIONARY}


def T(keyword):
    """Tag (8 uppercase hex digits) of a keyword."""
    return KEYWORD[keyword][0]


def name(tag):
    """Keyword (tag) for messages."""
    kw = TAG.get(tag, ("?", ""))[0]
    return f"{kw} ({tag[:4]},{tag[4:]})"


# ---------------------------------------------------------------------------------------------
# PS3.4 status codes (Tables CC.2.1-2, CC.2.2-2, CC.2.3-3, CC.2.5-4, CC.2.6-1, CC.2.7-1 and
# PS3.7 general statuses) with their "Further Meaning" text.
# ---------------------------------------------------------------------------------------------

PS34_STATUS = {
    0x0000: "Success",
    0x0106: "Invalid attribute value",
    0x0111: "Duplicate SOP Instance",
    0x0120: "Missing Attribute",
    0x0121: "Missing Attribute Value",
    0xB300: "The UPS was created with modifications",
    0xB301: "Deletion Lock not granted",
    0xB304: "The UPS is already in the requested state of CANCELED",
    0xB306: "The UPS is already in the requested state of COMPLETED",
    0xC300: "Failed: The UPS may no longer be updated",
    0xC301: "Failed: The correct Transaction UID was not provided",
    0xC302: "Failed: The UPS is already IN PROGRESS",
    0xC303: "Failed: The UPS may only become SCHEDULED via N-CREATE, not N-SET or N-ACTION",
    0xC304: "Failed: The UPS has not met final state requirements for the requested state change",
    0xC307: "Failed: Specified SOP Instance UID does not exist or is not a UPS Instance managed by this SCP",
    0xC308: "Failed: Receiving AE-TITLE is Unknown to this SCP",
    0xC309: "Failed: The provided value of UPS State was not \"SCHEDULED\"",
    0xC310: "Failed: The UPS is not yet in the \"IN PROGRESS\" state",
    0xC311: "Failed: The UPS is already COMPLETED",
    0xC312: "Failed: The performer cannot be contacted",
    0xC313: "Failed: Performer chooses not to cancel",
    0xC314: "Failed: Specified action not appropriate for specified instance",
    0xC315: "Failed: SCP does not support Event Reports",
}

# PS3.18 Warning header texts, quoted from the sections named.
W_ALREADY_CANCELED = "The UPS is already in the requested state of CANCELED."   # 11.7.3.2, 11.8.3.2
W_ALREADY_COMPLETED = "The UPS is already in the requested state of COMPLETED."  # 11.7.3.2
W_TXN_MISSING = "The Transaction UID is missing."                                # 11.7.3.2
W_TXN_INCORRECT = "The Transaction UID is incorrect."                            # 11.7.3.2
W_STATE_INCONSISTENT = "The submitted request is inconsistent with the state of the UPS Instance."  # 11.7.3.2
W_NOT_CLAIMED = "The target URI did not reference a claimed Workitem."           # 11.6.3.2
W_UPDATE_INCONSISTENT = "The submitted request is inconsistent with the current state of the Workitem."  # 11.6.3.2
W_FUZZY = "The fuzzymatching parameter is not supported. Only literal matching has been performed."  # 8.3.4.2

# ---------------------------------------------------------------------------------------------
# PS3.4 Table CC.1.1-2 "Unified Procedure Step State Transition Table", one row per event.
# Columns are the current state (the "does not exist" column, C307, is handled before the
# table is consulted). "Correct transaction UID": for a SCHEDULED workitem, one was supplied;
# otherwise it equals the one recorded at the claim (CC.2.1.3, CC.2.1.2 note 2).
# Outcomes: ("ok", new state) | ("final", new state: only if the Final State requirements
# are met, else C304) | ("warning", code) | ("error", code) | ("cancel", None) for the
# Request Cancel row's SCHEDULED cell | ("cancel-requested", None) for its IN PROGRESS cell.
# ---------------------------------------------------------------------------------------------

STATE_TABLE = {
    # event                               SCHEDULED                IN PROGRESS               COMPLETED            CANCELED
    ("IN PROGRESS", True):  {SCHEDULED: ("ok", IN_PROGRESS), IN_PROGRESS: ("error", 0xC302), COMPLETED: ("error", 0xC300), CANCELED: ("error", 0xC300)},
    ("IN PROGRESS", False): {SCHEDULED: ("error", 0xC301),   IN_PROGRESS: ("error", 0xC301), COMPLETED: ("error", 0xC301), CANCELED: ("error", 0xC301)},
    ("SCHEDULED", True):    {SCHEDULED: ("error", 0xC303),   IN_PROGRESS: ("error", 0xC303), COMPLETED: ("error", 0xC303), CANCELED: ("error", 0xC303)},
    ("SCHEDULED", False):   {SCHEDULED: ("error", 0xC303),   IN_PROGRESS: ("error", 0xC303), COMPLETED: ("error", 0xC303), CANCELED: ("error", 0xC303)},
    ("COMPLETED", True):    {SCHEDULED: ("error", 0xC310),   IN_PROGRESS: ("final", COMPLETED), COMPLETED: ("warning", 0xB306), CANCELED: ("error", 0xC300)},
    ("COMPLETED", False):   {SCHEDULED: ("error", 0xC301),   IN_PROGRESS: ("error", 0xC301), COMPLETED: ("error", 0xC301), CANCELED: ("error", 0xC301)},
    ("CANCELED", True):     {SCHEDULED: ("error", 0xC310),   IN_PROGRESS: ("final", CANCELED), COMPLETED: ("error", 0xC300), CANCELED: ("warning", 0xB304)},
    ("CANCELED", False):    {SCHEDULED: ("error", 0xC301),   IN_PROGRESS: ("error", 0xC301), COMPLETED: ("error", 0xC301), CANCELED: ("error", 0xC301)},
}
# The "N-ACTION to Request Cancel" row of the same table (PS3.4 CC.2.2.3: a SCHEDULED UPS is
# taken to IN PROGRESS and then CANCELED by the SCP; an IN PROGRESS one gets a "UPS Cancel
# Requested" event; this fixture is never the performer).
CANCEL_REQUEST_TABLE = {SCHEDULED: ("cancel", None), IN_PROGRESS: ("cancel-requested", None),
                        COMPLETED: ("error", 0xC311), CANCELED: ("warning", 0xB304)}
# The "N-CREATE received for this SOP Instance UID" row: does not exist -> create; else 0111.

# ---------------------------------------------------------------------------------------------
# PS3.4 status -> PS3.18 HTTP status, per transaction (PS3.18 Tables 11.4.3-1, 11.6.3-1,
# 11.7.3-1, 11.8.3-1, 11.10.3-1) and the Warning text each carries.
# CHOICE: PS3.18 11.7.3-1 lists both "400: the request is invalid given the current state" and
# "409: the request is inconsistent with the current state"; this fixture answers 409 for every
# refused transition (C300 C302 C303 C304 C310) and 400 for a missing or incorrect Transaction
# UID (C301), which 11.7.3-1 lists under 400 by name. A second claim is C301 (CC.1.1-2, and
# CC.2.1.2 note 2: "the Transaction UID provided by the second SCU is incorrect"): 400.
# ---------------------------------------------------------------------------------------------

HTTP_STATUS = {
    "create":        {0x0000: 201, 0x0111: 409, 0xC309: 400, 0x0120: 400, 0x0121: 400, 0x0106: 400},
    "update":        {0x0000: 200, 0xC300: 400, 0xC301: 400, 0xC307: 404, 0xC310: 400,
                      0x0106: 400, 0x0120: 400, 0x0121: 400},   # 11.6.2: COMPLETED/CANCELED -> 400
    "change-state":  {0x0000: 200, 0xB304: 200, 0xB306: 200, 0xC300: 409, 0xC301: 400, 0xC302: 409,
                      0xC303: 409, 0xC304: 409, 0xC307: 404, 0xC310: 409, 0x0106: 400, 0x0120: 400,
                      0x0121: 400},
    "cancelrequest": {0x0000: 202, 0xB304: 202, 0xC311: 409, 0xC307: 404, 0xC312: 409, 0xC313: 409,
                      0x0106: 400, 0x0121: 400},
    "subscribe":     {0x0000: 201, 0xC307: 404},
    "retrieve":      {0xC307: 404},
}
CHANGE_STATE_WARNING = {0xB304: W_ALREADY_CANCELED, 0xB306: W_ALREADY_COMPLETED,
                        0xC300: W_STATE_INCONSISTENT, 0xC302: W_STATE_INCONSISTENT,
                        0xC303: W_STATE_INCONSISTENT, 0xC304: W_STATE_INCONSISTENT,
                        0xC310: W_STATE_INCONSISTENT}

# ---------------------------------------------------------------------------------------------
# PS3.4 Table CC.2.5-3 "UPS SOP Class N-CREATE/N-SET/N-GET/C-FIND Attributes", top level.
# Per attribute: N-CREATE SCU type, N-SET SCU type ("no" = Not allowed), Final State code,
# C-FIND Matching Key type, Return Key type. PS3.4 5.4.2.1: SCU types 1 and 2 are mandatory;
# zero length is permitted for type 2 only (1/1, 3/1, 3/2, 3/3: "Not Permitted").
# "All other Attributes" of the UPS modules are 3/3, Final State O, not matching keys.
# ---------------------------------------------------------------------------------------------

#  keyword                                         create  set   final match return
UPS_ATTRIBUTES = {
    "TransactionUID":                                 ("2", "txn", "O", "-", "-"),   # create: "Shall be empty"
    "SpecificCharacterSet":                           ("1C", "1C", "RC", "-", "1C"),
    "SOPClassUID":                                    ("scp", "no", "R", "O", "1"),   # CC.2.5.1.3.1: set by the SCP
    "SOPInstanceUID":                                 ("uid", "no", "R", "U", "1"),   # the Workitem UID
    "ScheduledProcedureStepPriority":                 ("1", "3", "R", "R", "1"),
    "ScheduledProcedureStepModificationDateTime":     ("-", "-", "R", "O", "3"),     # "SCP shall use time of CREATE/SET"
    "ProcedureStepLabel":                             ("1", "3", "O", "R", "1"),
    "WorklistLabel":                                  ("2", "3", "O", "R", "1"),     # 2/1: SCP fills a default
    "ScheduledProcessingParametersSequence":          ("2", "3", "O", "-", "2"),
    "ScheduledStationNameCodeSequence":               ("2", "3", "O", "R", "2"),
    "ScheduledStationClassCodeSequence":              ("2", "3", "O", "R", "2"),
    "ScheduledStationGeographicLocationCodeSequence": ("2", "3", "O", "R", "2"),
    "ScheduledHumanPerformersSequence":               ("2C", "3", "O", "R", "2"),
    "ScheduledProcedureStepStartDateTime":            ("1", "3", "R", "R", "1"),
    "ExpectedCompletionDateTime":                     ("3", "3", "O", "R", "3"),
    "ScheduledProcedureStepExpirationDateTime":       ("3", "3", "O", "O", "3"),
    "ScheduledWorkitemCodeSequence":                  ("2", "3", "O", "R", "2"),
    "CommentsOnTheScheduledProcedureStep":            ("2", "3", "O", "O", "3"),
    "InputReadinessState":                            ("1", "3", "R", "R", "1"),
    "InputInformationSequence":                       ("2", "3", "O", "O", "2"),
    "StudyInstanceUID":                               ("1C", "3", "O", "O", "2"),
    "OutputDestinationSequence":                      ("3", "3", "O", "O", "3"),
    "PatientName":                                    ("2", "no", "O", "R", "2"),
    "PatientID":                                      ("1C", "no", "O", "R", "2"),
    "IssuerOfPatientID":                              ("2", "no", "O", "R", "2"),     # Issuer of Patient ID Macro
    "IssuerOfPatientIDQualifiersSequence":            ("2", "no", "O", "O", "2"),
    "OtherPatientIDsSequence":                        ("2", "3", "O", "O", "2"),
    "PatientBirthDate":                               ("2", "no", "O", "R", "2"),
    "PatientSex":                                     ("2", "no", "O", "R", "2"),
    "ReferencedPatientPhotoSequence":                 ("3", "3", "O", "-", "3"),
    "AdmissionID":                                    ("2", "no", "O", "R", "2"),
    "IssuerOfAdmissionIDSequence":                    ("2", "no", "O", "R", "2"),
    "AdmittingDiagnosesDescription":                  ("2", "no", "O", "O", "2"),
    "AdmittingDiagnosesCodeSequence":                 ("2", "no", "O", "O", "2"),
    "ReferencedRequestSequence":                      ("2", "no", "O", "R", "2"),
    "ReplacedProcedureStepSequence":                  ("1C", "no", "O", "R", "3"),
    "MedicalAlerts":                                  ("3", "3", "O", "O", "2C"),
    "PregnancyStatus":                                ("3", "3", "O", "O", "2C"),
    "SpecialNeeds":                                   ("3", "3", "O", "O", "2C"),
    "ProcedureStepState":                             ("1", "no", "R", "R", "1"),    # create: "SCHEDULED"; set: use N-ACTION
    "ProcedureStepProgressInformationSequence":       ("2", "3", "X", "-", "2"),     # create: "Shall be empty"
    "UnifiedProcedureStepPerformedProcedureSequence": ("2", "3", "P", "-", "-"),     # create: "Shall be created empty"
}
NCREATE_TYPE_1 = [k for k, v in UPS_ATTRIBUTES.items() if v[0] == "1"]
NCREATE_TYPE_2 = [k for k, v in UPS_ATTRIBUTES.items() if v[0] == "2"]
NCREATE_MUST_BE_EMPTY = ["TransactionUID", "ProcedureStepProgressInformationSequence",
                         "UnifiedProcedureStepPerformedProcedureSequence"]
NSET_NOT_ALLOWED = [k for k, v in UPS_ATTRIBUTES.items() if v[1] == "no"]
ENUMERATED = {"ScheduledProcedureStepPriority": ("HIGH", "MEDIUM", "LOW"),
              "InputReadinessState": ("INCOMPLETE", "UNAVAILABLE", "READY"),
              "ProcedureStepState": STATES}

# Final State requirements (PS3.4 CC.2.5.1.1, Table CC.2.5-1 codes, Table CC.2.5-3 column).
# R: both final states; P: COMPLETED only; X: CANCELED only. "value" = present and not empty
# (for a sequence: at least one item); "present" = may be empty (Output Information Sequence:
# "If there are no relevant output objects, then this sequence may have no items").
# RC attributes (Specific Character Set; Actual Human Performers Sequence "shall be provided if
# known") have conditions the server cannot evaluate and are not checked.
FINAL_STATE_R = ["SOPClassUID", "SOPInstanceUID", "ScheduledProcedureStepPriority",
                 "ScheduledProcedureStepModificationDateTime", "ScheduledProcedureStepStartDateTime",
                 "InputReadinessState", "ProcedureStepState"]
FINAL_STATE = {
    COMPLETED: [  # (path, requirement)
        (("UnifiedProcedureStepPerformedProcedureSequence",), "value"),
        (("UnifiedProcedureStepPerformedProcedureSequence", "PerformedStationNameCodeSequence"), "value"),
        (("UnifiedProcedureStepPerformedProcedureSequence", "PerformedProcedureStepStartDateTime"), "value"),
        (("UnifiedProcedureStepPerformedProcedureSequence", "PerformedWorkitemCodeSequence"), "value"),
        (("UnifiedProcedureStepPerformedProcedureSequence", "PerformedProcedureStepEndDateTime"), "value"),
        (("UnifiedProcedureStepPerformedProcedureSequence", "OutputInformationSequence"), "present"),
    ],
    CANCELED: [
        (("ProcedureStepProgressInformationSequence",), "value"),
        # Table CC.2.5-3 remark: "If changing the UPS State (0074,1000) to CANCELED and this
        # Attribute has no value, the SCP shall fill it with the current datetime." (done
        # before the check, see fill_cancellation_datetime)
        (("ProcedureStepProgressInformationSequence", "ProcedureStepCancellationDateTime"), "value"),
        (("ProcedureStepProgressInformationSequence", "ProcedureStepDiscontinuationReasonCodeSequence"), "value"),
    ],
}

# Item-level requirements inside sequences (the macros of PS3.4 CC.2.5.1.2 that Table CC.2.5-3
# includes), as {keyword: type}; type "1" present and non-empty, "2" present, "1C:..." handled
# in check_item. Applied to every item of the sequences listed in ITEM_RULES, at N-CREATE and
# at N-SET. NOT CONFIRMED in full: the HL7v2 Hierarchic Designator Macro (Issuer of Admission
# ID, Issuer of Accession Number, Order Placer/Filler sequences) and the Content Item Macro's
# value-type-specific rules are not checked beyond what is below.
CODE_ITEM = "code"
ITEM_RULES = {
    # UPS Code Sequence Macro (Table CC.2.5-2a): Code Meaning 1; Code Value / Long Code Value /
    # URN Code Value 1C (one of them); Coding Scheme Designator 1C (if Code Value or Long Code
    # Value).
    "ScheduledStationNameCodeSequence": CODE_ITEM, "ScheduledStationClassCodeSequence": CODE_ITEM,
    "ScheduledStationGeographicLocationCodeSequence": CODE_ITEM, "ScheduledWorkitemCodeSequence": CODE_ITEM,
    "HumanPerformerCodeSequence": CODE_ITEM, "AdmittingDiagnosesCodeSequence": CODE_ITEM,
    "RequestedProcedureCodeSequence": CODE_ITEM, "ReasonForRequestedProcedureCodeSequence": CODE_ITEM,
    "RequestingServiceCodeSequence": CODE_ITEM, "ProcedureStepDiscontinuationReasonCodeSequence": CODE_ITEM,
    "PerformedStationNameCodeSequence": CODE_ITEM, "PerformedStationClassCodeSequence": CODE_ITEM,
    "PerformedStationGeographicLocationCodeSequence": CODE_ITEM, "PerformedWorkitemCodeSequence": CODE_ITEM,
    "ConceptNameCodeSequence": CODE_ITEM, "ConceptCodeSequence": CODE_ITEM,
    "MeasurementUnitsCodeSequence": CODE_ITEM,
    # Scheduled Human Performers Sequence items (N-CREATE 1/1 each)
    "ScheduledHumanPerformersSequence": {"HumanPerformerCodeSequence": "1", "HumanPerformerName": "1",
                                         "HumanPerformerOrganization": "1"},
    # Other Patient IDs Sequence items
    "OtherPatientIDsSequence": {"PatientID": "1", "IssuerOfPatientID": "2",
                                "IssuerOfPatientIDQualifiersSequence": "2"},
    # Referenced Request Sequence items
    "ReferencedRequestSequence": {"StudyInstanceUID": "1", "AccessionNumber": "2",
                                  "IssuerOfAccessionNumberSequence": "2", "OrderPlacerIdentifierSequence": "2",
                                  "OrderFillerIdentifierSequence": "2", "RequestedProcedureID": "2",
                                  "RequestedProcedureDescription": "2", "RequestedProcedureCodeSequence": "2"},
    # SOP Instance Reference Macro (Table CC.2.5-2f)
    "ReplacedProcedureStepSequence": {"ReferencedSOPClassUID": "1", "ReferencedSOPInstanceUID": "1"},
    "ReferencedSOPSequence": {"ReferencedSOPClassUID": "1", "ReferencedSOPInstanceUID": "1"},
    # Referenced Instances and Access Macro (Table CC.2.5-2c)
    "InputInformationSequence": "instances", "OutputInformationSequence": "instances",
    "ReferencedPatientPhotoSequence": "instances",
    "DICOMRetrievalSequence": {"RetrieveAETitle": "1"},
    "DICOMMediaRetrievalSequence": {"StorageMediaFileSetID": "2", "StorageMediaFileSetUID": "1"},
    "WADORetrievalSequence": {"RetrieveURI": "1"}, "XDSRetrievalSequence": {"RepositoryUniqueID": "1"},
    "WADORSRetrievalSequence": {"RetrieveURL": "1"},
    # UPS Content Item Macro (Table CC.2.5-2b), only its first two rows
    "ScheduledProcessingParametersSequence": {"ValueType": "1", "ConceptNameCodeSequence": "1"},
    "PerformedProcessingParametersSequence": {"ValueType": "1", "ConceptNameCodeSequence": "1"},
    "ProcedureStepProgressParametersSequence": {"ValueType": "1", "ConceptNameCodeSequence": "1"},
    # Procedure Step Communications URI Sequence items: Contact URI 1/1 (N-SET)
    "ProcedureStepCommunicationsURISequence": {"ContactURI": "1"},
    # Actual Human Performers Sequence items (RC: shall be provided if known) - not checked.
    # Storage Macro (Table CC.2.5-2g)
    "DICOMStorageSequence": {"DestinationAE": "1"}, "STOWRSStorageSequence": {"StorageURL": "1"},
    "XDSStorageSequence": {"RepositoryUniqueID": "1"},
}
RETRIEVAL_SEQUENCES = ["DICOMRetrievalSequence", "DICOMMediaRetrievalSequence", "WADORetrievalSequence",
                       "XDSRetrievalSequence", "WADORSRetrievalSequence"]

# Attributes an Update changes that trigger events (PS3.4 CC.2.4.3).
PROGRESS_TRIGGERS = ["ProcedureStepProgress", "ProcedureStepProgressDescription",
                     "ProcedureStepCommunicationsURISequence"]

# Request Cancellation payload (PS3.4 Table CC.2.2-1, each 3/1)
CANCEL_REQUEST_ATTRIBUTES = ["ReasonForCancellation", "ProcedureStepDiscontinuationReasonCodeSequence",
                             "ContactURI", "ContactDisplayName"]

VRS = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FL", "FD", "IS", "LO", "LT", "OB", "OD", "OF", "OL",
       "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US",
       "UT", "UV"}
STRING_VRS = {"AE", "AS", "AT", "CS", "DA", "DT", "LO", "LT", "SH", "ST", "TM", "UC", "UI", "UR", "UT"}
NUMBER_VRS = {"FL", "FD", "SL", "SS", "UL", "US"}
NUMBER_OR_STRING_VRS = {"DS", "IS", "SV", "UV"}
BINARY_VRS = {"OB", "OD", "OF", "OL", "OV", "OW", "UN"}
MAX_LENGTH = {"AE": 16, "AS": 4, "CS": 16, "DA": 8, "DS": 16, "DT": 26, "IS": 12, "LO": 64, "LT": 10240,
              "SH": 16, "ST": 1024, "TM": 14, "UI": 64}
WILDCARD_VRS = {"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"}

UID_RE = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")
DA_RE = re.compile(r"^\d{8}$")
TM_RE = re.compile(r"^\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?$")
DT_RE = re.compile(r"^\d{4}(\d{2}(\d{2}(\d{2}(\d{2}(\d{2}(\.\d{1,6})?)?)?)?)?)?([+-]\d{4})?$")
CS_RE = re.compile(r"^[A-Z0-9_ ]*$")
DS_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
IS_RE = re.compile(r"^[+-]?\d+$")
AE_RE = re.compile(r"^[\x20-\x5b\x5d-\x7e]{1,16}$")   # no backslash, no control characters
TAG_RE = re.compile(r"^[0-9A-F]{8}$")


class UpsError(Exception):
    """A refusal: HTTP status, PS3.4 status code (or None), PS3.18 Warning text (or None),
    and a detail naming the offending attribute."""

    def __init__(self, http_status, code=None, detail="", standard_text=None):
        self.http_status = http_status
        self.code = code
        self.detail = detail
        self.standard_text = standard_text
        super().__init__(self.reason())

    def reason(self):
        parts = []
        if self.standard_text:
            parts.append(self.standard_text)
        if self.code is not None:
            parts.append(f"0x{self.code:04X} {PS34_STATUS.get(self.code, '')}".rstrip())
        if self.detail:
            parts.append(self.detail)
        return " - ".join(parts) or "refused"


def refuse(transaction, code, detail="", standard_text=None):
    return UpsError(HTTP_STATUS[transaction][code], code, detail, standard_text)


def now_dt():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d%H%M%S.%f") + "+0000"


def new_uid():
    return "2.25." + str(uuid.uuid4().int)


# ---------------------------------------------------------------------------------------------
# DICOM JSON (PS3.18 Annex F) validation and helpers
# ---------------------------------------------------------------------------------------------

def has_value(element):
    return element is not None and bool(element.get("Value"))


def first(dataset, keyword):
    element = dataset.get(T(keyword))
    return element["Value"][0] if has_value(element) else None


def validate_value(tag, vr, value, where):
    """One value of a DICOM JSON element, per PS3.18 F.2.3 and PS3.5 6.2."""
    label = f"{where}{name(tag)}"
    if value is None:   # F.2.5: an empty value of a multi-valued attribute
        return
    if vr == "PN":
        if not isinstance(value, dict) or not value or \
                any(k not in ("Alphabetic", "Ideographic", "Phonetic") or not isinstance(v, str)
                    for k, v in value.items()):
            raise UpsError(400, 0x0106, f"{label}: a PN value is an object with Alphabetic, Ideographic "
                                        "or Phonetic strings (PS3.18 F.2.2)")
        for group in value.values():
            if group.count("^") > 4 or "\\" in group or len(group) > 64:
                raise UpsError(400, 0x0106, f"{label}: {group!r} is not a valid person name component group")
        return
    if vr in NUMBER_VRS:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise UpsError(400, 0x0106, f"{label}: a {vr} value is a JSON number (PS3.18 F.2.3)")
        return
    if vr in NUMBER_OR_STRING_VRS:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise UpsError(400, 0x0106, f"{label}: a {vr} value is a JSON number or string (PS3.18 F.2.3)")
        if isinstance(value, str):
            pattern = IS_RE if vr in ("IS", "SV", "UV") else DS_RE
            if not pattern.match(value.strip()):
                raise UpsError(400, 0x0106, f"{label}: {value!r} is not a valid {vr}")
        elif vr in ("IS", "SV", "UV") and not float(value).is_integer():
            raise UpsError(400, 0x0106, f"{label}: {value!r} is not an integer")
        return
    if not isinstance(value, str):
        raise UpsError(400, 0x0106, f"{label}: a {vr} value is a JSON string (PS3.18 F.2.3)")
    if vr in MAX_LENGTH and len(value) > MAX_LENGTH[vr]:
        raise UpsError(400, 0x0106, f"{label}: {value!r} is longer than {vr}'s {MAX_LENGTH[vr]} characters")
    if vr != "UT" and vr not in ("LT", "ST", "UT") and "\\" in value:
        raise UpsError(400, 0x0106, f"{label}: a backslash is the value delimiter, not part of a value")
    checks = {"UI": (UID_RE, "a UID (digits and dots, no leading zeros, at most 64 characters)"),
              "DA": (DA_RE, "a DA value (YYYYMMDD)"), "TM": (TM_RE, "a TM value (HHMMSS.FFFFFF)"),
              "DT": (DT_RE, "a DT value (YYYYMMDDHHMMSS.FFFFFF&ZZXX)"),
              "CS": (CS_RE, "a CS value (upper case letters, digits, space, underscore)")}
    if vr in checks and not checks[vr][0].match(value):
        raise UpsError(400, 0x0106, f"{label}: {value!r} is not {checks[vr][1]}")
    if vr == "AE" and not AE_RE.match(value) or vr == "AE" and not value.strip():
        raise UpsError(400, 0x0106, f"{label}: {value!r} is not an AE title")
    if vr == "DA" or vr == "DT":
        try:
            datetime.date(int(value[0:4]), int(value[4:6] or 1), int(value[6:8] or 1))
        except ValueError:
            raise UpsError(400, 0x0106, f"{label}: {value!r} is not a calendar date") from None
    if vr in ("LO", "SH", "CS", "AE", "UC", "LT", "ST", "UT") and any(ord(c) < 0x20 and c not in "\r\n\t\f\x1b"
                                                                     for c in value):
        raise UpsError(400, 0x0106, f"{label}: control characters are not allowed in {vr}")


def validate_dataset(dataset, where="", depth=0):
    """Structure of a DICOM JSON Model object (PS3.18 F.2): 8 uppercase hex keys in ascending
    order, a known "vr" matching the dictionary, at most one of Value / BulkDataURI /
    InlineBinary (the Worklist Service supports neither bulk data form: PS3.18 11.1.3), a
    non-empty Value array (F.2.5: an empty attribute has no "Value")."""
    if not isinstance(dataset, dict):
        raise UpsError(400, 0x0106, f"{where or 'the payload'}: a DICOM JSON dataset is a JSON object")
    keys = list(dataset.keys())
    for key in keys:
        if not TAG_RE.match(key):
            raise UpsError(400, 0x0106, f"{where}{key!r}: attribute names are 8 uppercase hexadecimal digits "
                                        "(PS3.18 F.2.1.1)")
    if keys != sorted(keys):
        raise UpsError(400, 0x0106, f"{where}attributes are not in ascending tag order (PS3.18 F.2: \"Attribute "
                                    "objects within a DICOM JSON Model object must be ordered by their property "
                                    "name in ascending order\")")
    for tag, element in dataset.items():
        label = f"{where}{name(tag)}"
        if tag.endswith("0000"):
            raise UpsError(400, 0x0106, f"{label}: group length attributes shall not be included (PS3.18 F.2)")
        if tag.startswith("0000"):
            raise UpsError(400, 0x0106, f"{label}: command elements do not belong in the dataset (PS3.18 11.4.1.4: "
                                        "\"The Affected SOP Instance UID shall not be present in the Workitem dataset\")")
        if not isinstance(element, dict) or "vr" not in element:
            raise UpsError(400, 0x0106, f"{label}: each attribute is an object with a \"vr\" (PS3.18 F.2.2)")
        extra = set(element) - {"vr", "Value", "BulkDataURI", "InlineBinary"}
        if extra:
            raise UpsError(400, 0x0106, f"{label}: unexpected member(s) {sorted(extra)}")
        vr = element["vr"]
        if vr not in VRS:
            raise UpsError(400, 0x0106, f"{label}: {vr!r} is not a VR")
        known = TAG.get(tag)
        if known and known[1] != vr:
            raise UpsError(400, 0x0106, f"{label}: VR is {known[1]}, not {vr}")
        if "BulkDataURI" in element or "InlineBinary" in element:
            raise UpsError(400, 0x0106, f"{label}: the Worklist Service does not support bulk data "
                                        "(PS3.18 11.1.3 \"The transactions shall not support Metadata or Bulkdata objects\")")
        if "Value" not in element:
            continue
        values = element["Value"]
        if not isinstance(values, list) or not values:
            raise UpsError(400, 0x0106, f"{label}: \"Value\" is a non-empty array; an empty attribute has no "
                                        "\"Value\" (PS3.18 F.2.5)")
        if vr == "SQ":
            for index, item in enumerate(values):
                if not isinstance(item, dict):
                    raise UpsError(400, 0x0106, f"{label} item {index + 1}: a sequence item is a JSON object")
                validate_dataset(item, f"{label}[{index + 1}] > ", depth + 1)
        elif vr in BINARY_VRS:
            raise UpsError(400, 0x0106, f"{label}: {vr} values are bulk data, not supported here")
        else:
            for value in values:
                validate_value(tag, vr, value, where)
        if known and known[0] in ENUMERATED:
            for value in values:
                if value not in ENUMERATED[known[0]]:
                    raise UpsError(400, 0x0106, f"{label}: {value!r} is not one of {list(ENUMERATED[known[0]])}")


def parse_payload(body, allow_empty=False):
    """The request payload: a JSON array holding exactly one dataset (PS3.18 11.1.3:
    application/dicom+json "is a JSON array containing Workitems")."""
    if not body:
        if allow_empty:
            return None
        raise UpsError(400, 0x0120, "the request has no payload; it must be a JSON array holding one dataset")
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise UpsError(400, 0x0106, f"the payload is not UTF-8 JSON: {error}") from None
    if not isinstance(document, list) or len(document) != 1:
        raise UpsError(400, 0x0106, "the payload must be a JSON array holding exactly one dataset "
                                    "(application/dicom+json, PS3.18 F.2)")
    validate_dataset(document[0])
    return document[0]


def check_item(sequence_keyword, item, where, transaction, code_for_missing=0x0120):
    """Item-level requirements (ITEM_RULES), recursively for nested sequences."""
    rules = ITEM_RULES.get(sequence_keyword)
    label = f"{where}{sequence_keyword} item"
    if rules == CODE_ITEM:
        if not has_value(item.get(T("CodeMeaning"))):
            raise UpsError(400, 0x0120, f"{label}: CodeMeaning (0008,0104) is required (UPS Code Sequence "
                                        "Macro, PS3.4 Table CC.2.5-2a, type 1)")
        values = [k for k in ("CodeValue", "LongCodeValue", "URNCodeValue") if has_value(item.get(T(k)))]
        if len(values) != 1:
            raise UpsError(400, 0x0120, f"{label}: exactly one of CodeValue, LongCodeValue, URNCodeValue is "
                                        "required (PS3.4 Table CC.2.5-2a, 1C)")
        if values[0] in ("CodeValue", "LongCodeValue") and not has_value(item.get(T("CodingSchemeDesignator"))):
            raise UpsError(400, 0x0120, f"{label}: CodingSchemeDesignator (0008,0102) is required with "
                                        f"{values[0]} (PS3.4 Table CC.2.5-2a, 1C)")
    elif rules == "instances":
        type_of = first(item, "TypeOfInstances")
        if type_of is None:
            raise UpsError(400, 0x0120, f"{label}: TypeOfInstances (0040,E020) is required (Referenced Instances "
                                        "and Access Macro, PS3.4 Table CC.2.5-2c)")
        if not has_value(item.get(T("ReferencedSOPSequence"))):
            raise UpsError(400, 0x0120, f"{label}: ReferencedSOPSequence (0008,1199) is required (PS3.4 Table "
                                        "CC.2.5-2c)")
        if type_of == "DICOM":
            for keyword in ("StudyInstanceUID", "SeriesInstanceUID"):
                if not has_value(item.get(T(keyword))):
                    raise UpsError(400, 0x0120, f"{label}: {keyword} is required when TypeOfInstances is DICOM "
                                                "(PS3.4 Table CC.2.5-2c, 1C)")
        if not any(has_value(item.get(T(k))) for k in RETRIEVAL_SEQUENCES):
            raise UpsError(400, 0x0120, f"{label}: one of {', '.join(RETRIEVAL_SEQUENCES)} is required (PS3.4 "
                                        "Table CC.2.5-2c, 1C)")
    elif isinstance(rules, dict):
        for keyword, kind in rules.items():
            element = item.get(T(keyword))
            if element is None:
                raise UpsError(400, code_for_missing, f"{label}: {name(T(keyword))} is required (type {kind})")
            if kind == "1" and not has_value(element):
                raise UpsError(400, 0x0121, f"{label}: {name(T(keyword))} may not be empty (type 1)")
    for tag, element in item.items():
        if element.get("vr") == "SQ" and has_value(element) and tag in TAG:
            for index, nested in enumerate(element["Value"]):
                check_item(TAG[tag][0], nested, f"{label} > ", transaction)


# ---------------------------------------------------------------------------------------------
# Matching (PS3.18 8.3.4.1, PS3.4 C.2.2.2): QIDO-style keys used by Search and by Filtered
# Worklist Subscriptions.
# ---------------------------------------------------------------------------------------------

NOT_MATCHING_IN_ITEMS = {"CodeMeaning", "CodingSchemeVersion", "TransactionUID"}


def resolve_attribute(text):
    """attribute = attribute-id *("." attribute-id); keywords or 8 hex digit tags."""
    path = []
    for part in text.split("."):
        if TAG_RE.match(part.upper()) and len(part) == 8:
            tag = part.upper()
            if tag not in TAG:
                raise UpsError(400, None, f"{part}: not an attribute of the UPS information model known to this server")
            path.append(TAG[tag][0])
        elif part in KEYWORD:
            path.append(part)
        else:
            raise UpsError(400, None, f"{part!r} is not a DICOM keyword or tag known for UPS (PS3.18 8.3.4.1)")
    for keyword in path[:-1]:
        if KEYWORD[keyword][1] != "SQ":
            raise UpsError(400, None, f"{text}: {keyword} is not a sequence")
    return tuple(path)


def check_matching_key(path, text):
    top = UPS_ATTRIBUTES.get(path[0])
    if top is None:
        raise UpsError(400, None, f"{text}: not a Matching Key of the UPS information model (PS3.4 Table CC.2.5-3)")
    if path[0] == "TransactionUID":
        raise UpsError(400, None, f"{text}: the Transaction UID \"Cannot be queried\" (PS3.4 Table CC.2.5-3)")
    if len(path) == 1 and top[3] == "-":
        raise UpsError(400, None, f"{text}: not a Matching Key (PS3.4 Table CC.2.5-3 Match Key Type \"-\")")
    if len(path) > 1 and path[-1] in NOT_MATCHING_IN_ITEMS:
        raise UpsError(400, None, f"{text}: {path[-1]} shall not be used as a Matching Key (PS3.4 Table CC.2.5-2a)")


def dt_bounds(value, upper):
    """A DA/DT/TM value as a comparable string; ranges pad with the lowest/highest values.
    CHOICE: timezone offsets are ignored (no Timezone Offset From UTC handling)."""
    value = re.sub(r"[+-]\d{4}$", "", value)
    full = "00000000000000.000000"
    top = "99991231235959.999999"
    return value + (top if upper else full)[len(value):]


def parse_matcher(path, raw):
    """One match parameter -> a predicate on an element, per the VR of its attribute."""
    keyword = path[-1]
    vr = KEYWORD[keyword][1]
    if raw == "":
        return ("universal", None)
    if vr == "SQ":
        raise UpsError(400, None, f"{'.'.join(path)}: a sequence takes an empty value (universal matching) or "
                                  "keys on its item attributes")
    if vr == "UI":
        uids = [u for u in re.split(r"[,\\]", raw)]
        for uid in uids:
            if not UID_RE.match(uid) or len(uid) > 64:
                raise UpsError(400, None, f"{'.'.join(path)}: {uid!r} is not a UID (UID List Matching takes UIDs "
                                          "only, no wildcards)")
        return ("uids", set(uids))
    if vr in ("DA", "DT", "TM"):
        pattern = {"DA": DA_RE, "DT": DT_RE, "TM": TM_RE}[vr]
        if pattern.match(raw):
            return ("range", (dt_bounds(raw, False), dt_bounds(raw, True)))
        for position in [i for i, c in enumerate(raw) if c == "-"]:
            low, high = raw[:position], raw[position + 1:]
            if (not low or pattern.match(low)) and (not high or pattern.match(high)) and (low or high):
                return ("range", (dt_bounds(low, False) if low else "", dt_bounds(high, True) if high else "~"))
        raise UpsError(400, None, f"{'.'.join(path)}: {raw!r} is not a {vr} value or range")
    if vr in NUMBER_VRS or vr in NUMBER_OR_STRING_VRS:
        try:
            return ("number", float(raw))
        except ValueError:
            raise UpsError(400, None, f"{'.'.join(path)}: {raw!r} is not a number") from None
    if ("*" in raw or "?" in raw) and vr in WILDCARD_VRS:
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in raw)
        flags = re.DOTALL | (re.IGNORECASE if vr == "PN" else 0)
        return ("regex", re.compile(regex, flags))
    return ("single", raw)


def element_matches(element, matcher):
    kind, argument = matcher
    if kind == "universal":
        return True
    if not has_value(element):
        return False
    for value in element["Value"]:
        if value is None:
            continue
        if element["vr"] == "PN":
            value = value.get("Alphabetic", "")
        if kind == "uids" and value in argument:
            return True
        if kind == "range":
            low = dt_bounds(value, False)
            high = dt_bounds(value, True)
            if (argument[0] == "" or high >= argument[0]) and (argument[1] == "~" or low <= argument[1]):
                return True
        if kind == "number":
            try:
                if float(value) == argument:
                    return True
            except ValueError:
                pass
        if kind == "regex" and argument.fullmatch(value):
            return True
        if kind == "single":
            if element["vr"] == "PN" and value.lower() == argument.lower() or value == argument:
                return True
    return False


def parse_match_keys(pairs):
    """[(attribute text, value)] -> {path: matcher}; repeated attributes refused (8.3.4.1 #2)."""
    keys = {}
    for text, raw in pairs:
        path = resolve_attribute(text)
        check_matching_key(path, text)
        if path in keys:
            raise UpsError(400, None, f"{text}: \"Each attribute in the Query Parameter shall not be repeated\" "
                                      "(PS3.18 8.3.4.1)")
        keys[path] = parse_matcher(path, raw)
    return keys


def dataset_matches(dataset, keys):
    """Sequence Matching: keys under the same sequence must match within one item."""
    direct = {path: m for path, m in keys.items() if len(path) == 1}
    nested = collections.defaultdict(dict)
    for path, m in keys.items():
        if len(path) > 1:
            nested[path[0]][path[1:]] = m
    for path, m in direct.items():
        if not element_matches(dataset.get(T(path[0])), m):
            return False
    for keyword, subkeys in nested.items():
        element = dataset.get(T(keyword))
        items = element.get("Value", []) if element else []
        if not any(dataset_matches(item, subkeys) for item in items):
            if all(m[0] == "universal" for m in subkeys.values()):
                continue
            return False
    return True


# ---------------------------------------------------------------------------------------------
# The store: workitems, subscriptions, event channels, log
# ---------------------------------------------------------------------------------------------

class Workitem:
    def __init__(self, uid, dataset):
        self.uid = uid
        self.dataset = dataset           # as returned by Retrieve, minus Transaction UID
        self.transaction_uid = None      # recorded at the claim (PS3.4 CC.2.1.3)
        self.created = time.monotonic()

    @property
    def state(self):
        return first(self.dataset, "ProcedureStepState")


class Store:
    def __init__(self):
        self.lock = threading.RLock()
        self.workitems = collections.OrderedDict()
        self.subscriptions = {}          # (aet, uid) -> deletion lock (bool)
        self.global_subscriptions = {}   # aet -> deletion lock (bool)      (1.2.840.10008.5.1.4.34.5)
        self.filtered_subscriptions = {}  # aet -> (deletion lock, keys)   (1.2.840.10008.5.1.4.34.5.1)
        self.channels = {}               # aet -> Channel
        self.pending = collections.defaultdict(collections.deque)  # aet -> queued event texts
        self.log = []
        self.events = []
        self.message_id = 0

    # -- events (PS3.4 CC.2.4.3) ----------------------------------------------------------------
    def event(self, uid, event_type, attributes):
        self.message_id = self.message_id % 65535 + 1
        message = {"00000002": {"vr": "UI", "Value": [UPS_PUSH_SOP_CLASS]},   # CC.2.4.3: UPS Push
                   "00000110": {"vr": "US", "Value": [self.message_id]},
                   "00001000": {"vr": "UI", "Value": [uid]},
                   "00001002": {"vr": "US", "Value": [event_type]}}
        message.update(attributes)
        return dict(sorted(message.items()))

    def send(self, aet, message):
        text = json.dumps(message, separators=(",", ":"))
        self.events.append({"aet": aet, "event": message})
        channel = self.channels.get(aet)
        if channel is not None and channel.alive:
            channel.enqueue(text)
        else:
            self.pending[aet].append(text)

    def subscribers(self, uid):
        return sorted({aet for (aet, u) in self.subscriptions if u == uid})

    def notify(self, uid, event_type, attributes, aets=None):
        message = self.event(uid, event_type, attributes)
        for aet in (aets if aets is not None else self.subscribers(uid)):
            self.send(aet, message)

    def state_report(self, workitem, state=None):
        """UPS State Report (Table CC.2.4-1): Procedure Step State, Input Readiness State, and
        when CANCELED the Reason For Cancellation and Discontinuation Reason Code Sequence."""
        ds = workitem.dataset
        attributes = {T("ProcedureStepState"): {"vr": "CS", "Value": [state or workitem.state]},
                      T("InputReadinessState"): ds[T("InputReadinessState")]}
        if (state or workitem.state) == CANCELED:
            progress = ds.get(T("ProcedureStepProgressInformationSequence"))
            item = progress["Value"][0] if has_value(progress) else {}
            for keyword in ("ReasonForCancellation", "ProcedureStepDiscontinuationReasonCodeSequence"):
                if has_value(item.get(T(keyword))):
                    attributes[T(keyword)] = item[T(keyword)]
        return attributes

    def assigned_report(self, workitem):
        """UPS Assigned (Table CC.2.4-1 / CC.2.4.3): current contents of the Scheduled Station
        Name Code Sequence and the Scheduled Human Performers Sequence, when populated."""
        attributes = {}
        for keyword in ("ScheduledStationNameCodeSequence", "ScheduledHumanPerformersSequence"):
            if has_value(workitem.dataset.get(T(keyword))):
                attributes[T(keyword)] = workitem.dataset[T(keyword)]
        return attributes

    def record(self, entry):
        with self.lock:
            if isinstance(entry.get("ps34_status"), int):
                entry["ps34_status"] = f"0x{entry['ps34_status']:04X}"
            entry["seq"] = len(self.log) + 1
            entry["time"] = time.time()
            self.log.append(entry)


class Channel:
    """One WebSocket Notification Connection (PS3.18 8.10.4) for an AE title."""

    def __init__(self, aet, sock):
        self.aet = aet
        self.sock = sock
        self.queue = collections.deque()
        self.condition = threading.Condition()
        self.alive = True
        self.write_lock = threading.Lock()
        self.writer = threading.Thread(target=self._write_loop, daemon=True)
        self.writer.start()

    def enqueue(self, text):
        with self.condition:
            self.queue.append(text)
            self.condition.notify()

    def _write_loop(self):
        while True:
            with self.condition:
                while self.alive and not self.queue:
                    self.condition.wait()
                if not self.alive:
                    return
                text = self.queue[0]
            try:
                self.send_frame(0x1, text.encode("utf-8"))
            except OSError:
                self.close_quietly()
                return
            with self.condition:
                if self.queue and self.queue[0] is text:
                    self.queue.popleft()

    def send_frame(self, opcode, payload):
        """A server frame: FIN set, not masked (RFC 6455 5.1)."""
        header = bytes([0x80 | opcode])
        length = len(payload)
        if length < 126:
            header += bytes([length])
        elif length < 65536:
            header += bytes([126]) + struct.pack("!H", length)
        else:
            header += bytes([127]) + struct.pack("!Q", length)
        with self.write_lock:
            self.sock.sendall(header + payload)

    def close(self, code=1000, reason=b""):
        try:
            self.send_frame(0x8, struct.pack("!H", code) + reason)
        except OSError:
            pass
        self.close_quietly()

    def close_quietly(self):
        with self.condition:
            self.alive = False
            self.condition.notify_all()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def unsent(self):
        with self.condition:
            return list(self.queue)


WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_exact(stream, count):
    """count bytes from the handler's buffered reader (it may already hold bytes the client
    sent right after the handshake)."""
    data = stream.read(count)
    if data is None or len(data) < count:
        raise ConnectionError("the peer closed the connection")
    return data


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------

class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, dialect, log_file):
        super().__init__(address, Handler)
        self.dialect = dialect
        self.store = Store()
        self.log_file = log_file
        self.log_lock = threading.Lock()

    @property
    def service(self):
        return f"http://127.0.0.1:{self.server_address[1]}/ups-rs"

    def write_log(self, text):
        if self.log_file:
            with self.log_lock:
                self.log_file.write(text + "\n")
                self.log_file.flush()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ups-rs-fixture/1"

    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's signature)
        self.server.write_log("%s %s" % (self.log_date_time_string(), format % args))

    # -- plumbing --------------------------------------------------------------------------------
    @property
    def store(self):
        return self.server.store

    def send_plain(self, status, headers=(), body=b"", content_type=None):
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        if body or content_type:
            self.send_header("Content-Type", content_type or "text/plain; charset=utf-8")
        if status != 204:   # RFC 9110 8.6: no Content-Length in a 204
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def warning(self, text):
        text = text.encode("ascii", "backslashreplace").decode("ascii")
        return "Warning", f"299 {self.server.service}: {text}"

    def send_error_reason(self, error, extra_headers=()):
        reason = error.reason().replace("\r", " ").replace("\n", " ")
        self.server.write_log(f"  -> {error.http_status} {reason}")
        self.send_plain(error.http_status, [self.warning(reason), *extra_headers], reason.encode("utf-8"),
                        "text/plain; charset=utf-8")

    def read_body(self):
        if self.headers.get("Content-Encoding", "identity").lower() not in ("identity", ""):
            raise UpsError(415, None, f"Content-Encoding {self.headers['Content-Encoding']} is not supported")
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline(1024)
        length = self.headers.get("Content-Length")
        if length is None:
            return None
        try:
            length = int(length)
        except ValueError:
            raise UpsError(400, None, "Content-Length is not a number") from None
        return self.rfile.read(length) if length else b""

    def require_json_body(self, body, optional=False):
        if body is None and not optional:
            raise UpsError(411, None, "Content-Length (or chunked Transfer-Encoding) is required")
        if not body:
            if optional:
                return None
            raise UpsError(400, 0x0120, "the request has no payload")
        content_type = self.headers.get("Content-Type")
        if content_type is None:
            raise UpsError(415, None, "Content-Type is required (PS3.18 11: \"Content-Type: dicom-media-type\" M)")
        media = content_type.split(";")[0].strip().lower()
        parameters = [p.strip().lower() for p in content_type.split(";")[1:] if p.strip()]
        if media != MEDIA_TYPE:
            raise UpsError(415, None, f"Content-Type {content_type!r}: this server accepts application/dicom+json "
                                      "only")
        for parameter in parameters:
            if parameter.startswith("charset=") and parameter.split("=", 1)[1].strip('"') not in ("utf-8", "utf8"):
                raise UpsError(415, None, f"{content_type!r}: DICOM JSON is UTF-8")
        return parse_payload(body, allow_empty=optional)

    def check_accept(self, query):
        """Accept header or accept query parameter (PS3.18 11.1.2, 8.3.3.1)."""
        accepts = [a for a in query.pop("accept", [])] + ([self.headers["Accept"]] if self.headers.get("Accept") else [])
        for accept in accepts:
            ranges = [r.split(";")[0].strip().lower() for r in accept.split(",")]
            if not any(r in (MEDIA_TYPE, "*/*", "application/*") for r in ranges):
                raise UpsError(406, None, f"Accept {accept!r}: this server returns application/dicom+json only")
        for charset in query.pop("charset", []):
            if charset.lower() not in ("utf-8", "utf8", "*"):
                raise UpsError(406, None, f"charset {charset!r}: DICOM JSON is UTF-8")

    def parse_query(self, query_string):
        """Query parameters, RFC 3986 percent-decoding only ("+" is not a space here)."""
        query = collections.OrderedDict()
        pairs = []
        for part in query_string.split("&") if query_string else []:
            if not part:
                continue
            key, _, value = part.partition("=")
            try:
                key = urllib.parse.unquote(key, errors="strict")
                value = urllib.parse.unquote(value, errors="strict")
            except UnicodeDecodeError:
                raise UpsError(400, None, f"{part!r} is not UTF-8 after percent-decoding") from None
            pairs.append((key, value))
            query.setdefault(key, []).append(value)
        return query, pairs

    def no_other_parameters(self, query, allowed=()):
        unknown = [k for k in query if k not in allowed]
        if unknown:
            raise UpsError(400, None, f"query parameter(s) {unknown} are not defined for this transaction")

    def single(self, query, key):
        values = query.get(key, [])
        if len(values) > 1:
            raise UpsError(400, None, f"query parameter {key!r} is repeated")
        return values[0] if values else None

    def record(self, **entry):
        entry.setdefault("method", self.command)
        entry.setdefault("path", self.path)
        self.store.record(entry)

    # -- dispatch --------------------------------------------------------------------------------
    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_OPTIONS(self):
        self.dispatch("OPTIONS")

    def dispatch(self, method):
        self.server.write_log(f"{method} {self.path}")
        body = None
        try:
            if self.request_version == "HTTP/1.1" and not self.headers.get("Host"):
                raise UpsError(400, None, "HTTP/1.1 requests carry a Host header (RFC 9112 3.2)")
            url = urllib.parse.urlsplit(self.path)
            path = url.path
            if method in ("POST", "PUT"):
                body = self.read_body()
            query, pairs = self.parse_query(url.query)
            if path.startswith("/_fixture/"):
                return self.fixture(method, path[len("/_fixture/"):], query)
            if not (path == "/ups-rs" or path.startswith("/ups-rs/")):
                raise UpsError(404, None, f"{path}: the service root is /ups-rs")
            segments = [urllib.parse.unquote(s) for s in path[len("/ups-rs"):].split("/")[1:]]
            self.route(method, segments, query, pairs, body)
        except UpsError as error:
            extra = []
            if error.http_status == 405 and error.detail.startswith("allow:"):
                allow = error.detail.split(":", 1)[1].split(" ", 1)[0]
                extra.append(("Allow", allow))
            if error.http_status == 426:
                extra += [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13")]
            self.send_error_reason(error, extra)
        except (ConnectionError, BrokenPipeError):
            self.close_connection = True
        except Exception as error:  # noqa: BLE001 (a fixture bug: say so, do not hang the client)
            import traceback
            self.server.write_log(traceback.format_exc())
            self.close_connection = True
            try:
                self.send_error_reason(UpsError(500, None, f"fixture error: {error!r}"))
            except OSError:
                pass

    def not_allowed(self, allowed):
        return UpsError(405, None, f"allow:{','.join(allowed)} the method is not allowed on this resource")

    def route(self, method, s, query, pairs, body):
        dialect = self.server.dialect
        n = len(s)
        if n == 1 and s[0] == "workitems":
            if method == "POST":
                return self.create(query, body)
            if method == "GET":
                return self.search(query, pairs)
            raise self.not_allowed(["GET", "POST"])
        if n >= 2 and s[0] == "workitems":
            uid = s[1]
            if n == 2:
                if method == "GET":
                    return self.retrieve(uid, query)
                if method == "POST":
                    return self.update(uid, query, body)
                raise self.not_allowed(["GET", "POST"])
            if s[2] == "state" and (n == 3 and dialect != "dcm4chee" or n == 4 and dialect == "dcm4chee"):
                if method == "PUT":
                    return self.change_state(uid, query, body, s[3] if n == 4 else None)
                raise self.not_allowed(["PUT"])
            if s[2] == "cancelrequest" and (n == 3 and dialect != "dcm4chee" or n == 4 and dialect == "dcm4chee"):
                if method == "POST":
                    return self.cancel_request(uid, query, body, s[3] if n == 4 else None)
                raise self.not_allowed(["POST"])
            if s[2] == "subscribers" and n == 4:
                if method == "POST":
                    return self.subscribe(uid, s[3], query, body)
                if method == "DELETE":
                    return self.unsubscribe(uid, s[3], query)
                raise self.not_allowed(["POST", "DELETE"])
            if s[2] == "subscribers" and n == 5 and s[4] == "suspend":
                if method == "POST":
                    return self.suspend(uid, s[3], query, body)
                raise self.not_allowed(["POST"])
        if n == 2 and s[0] == "subscribers":
            if method == "GET":
                return self.open_channel(s[1], query)
            raise self.not_allowed(["GET"])
        if s[2:3] in (["state"], ["cancelrequest"]) and dialect == "dcm4chee":
            raise UpsError(404, None, f"/{'/'.join(s)}: this server (dialect dcm4chee) takes the requester's AE "
                                      f"title: /workitems/{{uid}}/{s[2]}/{{requesterAET}}")
        raise UpsError(404, None, f"/{'/'.join(s)}: no such resource (PS3.18 Table 11.1.1-1)")

    # -- checks shared by transactions -----------------------------------------------------------
    def workitem_uid(self, uid, transaction):
        if not UID_RE.match(uid) or len(uid) > 64:
            raise UpsError(400, None, f"{uid!r} is not a UID")
        workitem = self.store.workitems.get(uid)
        if workitem is None:
            raise refuse(transaction, 0xC307, f"no workitem {uid}")
        return workitem

    def aet(self, text):
        if not AE_RE.match(text) or not text.strip():
            raise UpsError(400, None, f"{text!r} is not an AE title (1 to 16 characters, no backslash or control "
                                      "characters, not all spaces)")
        return text

    # -- Create (PS3.18 11.4, PS3.4 CC.2.5) ------------------------------------------------------
    def create(self, query, body):
        self.no_other_parameters(query, ("workitem", "accept", "charset"))
        self.check_accept(query)
        given_uid = self.single(query, "workitem")
        outcome = {"action": "create", "uid": given_uid, "from_state": None, "to_state": None,
                   "transaction_uid": None}
        try:
            dataset = self.require_json_body(body)
            with self.store.lock:
                uid = self.check_create(dataset, given_uid)
                outcome["uid"] = uid
                if uid in self.store.workitems:
                    # Table CC.1.1-2 "N-CREATE received for this SOP Instance UID": 0111 in every state
                    raise refuse("create", 0x0111, f"workitem {uid} already exists (PS3.18 11.4.3.1: 409 \"The "
                                                   "Target Workitem already exists\")")
                stored = dict(dataset)
                stored[T("SOPClassUID")] = {"vr": "UI", "Value": [UPS_PUSH_SOP_CLASS]}   # CC.2.5.1.3.1
                stored[T("SOPInstanceUID")] = {"vr": "UI", "Value": [uid]}
                stored[T("ScheduledProcedureStepModificationDateTime")] = {"vr": "DT", "Value": [now_dt()]}
                if not has_value(stored.get(T("WorklistLabel"))):   # 2/1 "the SCP shall fill in"
                    stored[T("WorklistLabel")] = {"vr": "LO", "Value": [DEFAULT_WORKLIST_LABEL]}
                stored.pop(T("TransactionUID"), None)               # kept apart, never returned
                workitem = Workitem(uid, dict(sorted(stored.items())))
                self.store.workitems[uid] = workitem
                outcome.update(to_state=SCHEDULED, http_status=201, ps34_status=0)
                self.store.record(dict(outcome, method="POST", path=self.path))
                self.after_create(workitem)
            self.send_plain(201, [("Location", f"{self.server.service}/workitems/{uid}"),
                                  ("Content-Location", f"{self.server.service}/workitems/{uid}")])
        except UpsError as error:
            self.record(**outcome, http_status=error.http_status, ps34_status=error.code, reason=error.reason())
            raise

    def check_create(self, dataset, given_uid):
        """N-CREATE requirements: PS3.4 Table CC.2.5-3 "Req. Type N-CREATE" (SCU column),
        PS3.4 5.4.2.1 (missing -> 0120, empty where not permitted -> 0121), CC.2.5.3
        (Procedure Step State "SCHEDULED" else C309), PS3.18 11.4.1 (the Workitem UID)."""
        in_dataset = first(dataset, "SOPInstanceUID") if T("SOPInstanceUID") in dataset else None
        if T("SOPInstanceUID") in dataset and in_dataset is None:
            raise refuse("create", 0x0121, "SOPInstanceUID (0008,0018) is present but empty")
        if given_uid is not None:
            if not UID_RE.match(given_uid) or len(given_uid) > 64:
                raise UpsError(400, 0x0106, f"workitem={given_uid!r} is not a UID")
            if in_dataset is not None and in_dataset != given_uid:
                raise UpsError(400, 0x0106, f"the workitem query parameter ({given_uid}) and SOPInstanceUID in the "
                                            f"dataset ({in_dataset}) differ")
            uid = given_uid
        elif in_dataset is not None:
            uid = in_dataset
        else:
            # PS3.18 11.4.1.1: "If the Target Resource is the Worklist, then the Workitem dataset
            # in the payload shall contain the Workitem UID"; PS3.4 CC.2.5.2: "The SCU shall
            # specify ... the SOP Instance UID for the UPS that is to be created".
            raise UpsError(400, 0x0120, "no Workitem UID: give it as ?workitem= or as SOPInstanceUID (0008,0018) "
                                        "(PS3.18 11.4.1.1, PS3.4 CC.2.5.2)")
        if uid in WELL_KNOWN_SUBSCRIPTION_UIDS:
            raise UpsError(400, 0x0106, f"{uid} is a well-known subscription UID, not a workitem UID")
        sop_class = dataset.get(T("SOPClassUID"))
        if sop_class is not None and first(dataset, "SOPClassUID") != UPS_PUSH_SOP_CLASS:
            raise UpsError(400, 0x0106, "SOPClassUID (0008,0016), if given, is the UPS Push SOP Class "
                                        f"{UPS_PUSH_SOP_CLASS} (PS3.4 CC.3.1)")
        state = dataset.get(T("ProcedureStepState"))
        if state is None:
            raise refuse("create", 0x0120, "ProcedureStepState (0074,1000) is required: N-CREATE type 1 (PS3.4 "
                                           "Table CC.2.5-3)")
        if first(dataset, "ProcedureStepState") != SCHEDULED:
            raise refuse("create", 0xC309, "ProcedureStepState (0074,1000) must be \"SCHEDULED\" (PS3.4 CC.2.5.3)")
        for keyword in NCREATE_TYPE_1:
            element = dataset.get(T(keyword))
            if element is None:
                raise refuse("create", 0x0120, f"{name(T(keyword))} is required: N-CREATE type 1 (PS3.4 Table "
                                               "CC.2.5-3)")
            if not has_value(element):
                raise refuse("create", 0x0121, f"{name(T(keyword))} may not be empty: N-CREATE type 1 (PS3.4 "
                                               "Table CC.2.5-3)")
        for keyword in NCREATE_TYPE_2:
            if T(keyword) not in dataset:
                raise refuse("create", 0x0120, f"{name(T(keyword))} is required, empty or not: N-CREATE type 2 "
                                               "(PS3.4 Table CC.2.5-3; 5.4.2.1 \"Mandatory\")")
        for keyword in NCREATE_MUST_BE_EMPTY:
            if has_value(dataset.get(T(keyword))):
                raise UpsError(400, 0x0106, f"{name(T(keyword))} shall be empty at N-CREATE (PS3.4 Table CC.2.5-3)")
        for tag, element in dataset.items():
            keyword = TAG.get(tag, (None,))[0]
            kind = UPS_ATTRIBUTES.get(keyword, ("3",))[0]
            if kind in ("1", "1C", "3") and not has_value(element) and tag != T("SOPInstanceUID"):
                raise refuse("create", 0x0121, f"{name(tag)} is empty: zero length is permitted for type 2 "
                                               "attributes only (PS3.4 5.4.2.1; Table CC.2.5-3 N-CREATE type "
                                               f"{kind})")
            if element.get("vr") == "SQ" and has_value(element) and keyword:
                for index, item in enumerate(element["Value"]):
                    check_item(keyword, item, f"{keyword}[{index + 1}]: ", "create")
        return uid

    def after_create(self, workitem):
        """PS3.4 CC.2.5.3 / CC.2.3.3 / CC.2.4.3: subscribe AEs with a (filtered) Global
        Subscription and send them a UPS State Report (SCHEDULED) and, when the Scheduled
        Station Name Code Sequence or Scheduled Human Performers Sequence is populated, a UPS
        Assigned event."""
        store = self.store
        receivers = []
        for aet, lock in store.global_subscriptions.items():
            store.subscriptions[(aet, workitem.uid)] = lock
            receivers.append(aet)
        for aet, (lock, keys) in store.filtered_subscriptions.items():
            if aet not in receivers and dataset_matches(workitem.dataset, keys):
                store.subscriptions[(aet, workitem.uid)] = lock
                receivers.append(aet)
        if receivers:
            store.notify(workitem.uid, EVENT_STATE_REPORT, store.state_report(workitem), receivers)
            assigned = store.assigned_report(workitem)
            if assigned:
                store.notify(workitem.uid, EVENT_ASSIGNED, assigned, receivers)

    # -- Retrieve (PS3.18 11.5, PS3.4 CC.2.7) ----------------------------------------------------
    def retrieve(self, uid, query):
        self.no_other_parameters(query, ("accept", "charset"))
        self.check_accept(query)
        with self.store.lock:
            try:
                workitem = self.workitem_uid(uid, "retrieve")
            except UpsError as error:
                self.record(action="retrieve", uid=uid, http_status=error.http_status, ps34_status=error.code)
                raise
            # CC.2.7.3 "The SCP shall not return the Transaction UID (0008,1195) Attribute."
            dataset = {k: v for k, v in workitem.dataset.items() if k != T("TransactionUID")}
            self.record(action="retrieve", uid=uid, from_state=workitem.state, to_state=workitem.state,
                        http_status=200)
        body = json.dumps([dataset]).encode("utf-8")
        self.send_plain(200, [("Content-Location", f"{self.server.service}/workitems/{uid}")], body, MEDIA_TYPE)

    # -- Search (PS3.18 11.9 and 8.3.4, PS3.4 CC.2.8) --------------------------------------------
    def search(self, query, pairs):
        self.check_accept(query)
        warnings = []
        limit = self.single(query, "limit")
        offset = self.single(query, "offset")
        fuzzy = self.single(query, "fuzzymatching")
        for label, text in (("limit", limit), ("offset", offset)):
            if text is not None and not re.fullmatch(r"\d+", text):
                raise UpsError(400, None, f"{label}={text!r}: an unsigned integer (PS3.18 8.3.4.4)")
        if fuzzy is not None:
            if fuzzy not in ("true", "false"):
                raise UpsError(400, None, f"fuzzymatching={fuzzy!r}: true or false (PS3.18 8.3.4.2)")
            if fuzzy == "true":
                warnings.append(W_FUZZY)
        includes = []
        for value in query.get("includefield", []):
            includes += [v for v in value.split(",")]
        if "all" in includes and len(includes) > 1:
            raise UpsError(400, None, "includefield=all excludes other includefield values (PS3.18 8.3.4.3)")
        include_paths = []
        for text in includes:
            if text == "all":
                continue
            path = resolve_attribute(text)
            if path[0] == "TransactionUID":
                raise UpsError(400, None, "the Transaction UID is never returned (PS3.4 CC.2.7.3, Table CC.2.5-3)")
            include_paths.append(path)
        match_pairs = [(k, v) for k, v in pairs
                       if k not in ("limit", "offset", "fuzzymatching", "includefield", "accept", "charset")]
        keys = parse_match_keys(match_pairs)
        with self.store.lock:
            if not keys and not includes:
                # PS3.4 CC.2.8.3.1 Worklist Search Method: "If there are no matching keys, then
                # there are no matches".
                matches = []
            else:
                matches = [w for w in self.store.workitems.values() if dataset_matches(w.dataset, keys)]
            start = int(offset or 0)
            count = min(MAX_RESULTS, int(limit) if limit is not None else MAX_RESULTS)
            page = matches[start:start + count]
            remaining = max(0, len(matches) - start - len(page))
            results = [self.search_result(w.dataset, keys, include_paths, "all" in includes) for w in page]
            self.record(action="search", uid=None, http_status=200 if results else 204, matches=len(matches))
        if remaining > 0:
            warnings.append(f"There are {remaining} additional results that can be requested")   # 8.3.4.4.1
        headers = [self.warning(w) for w in warnings]
        if not results:
            return self.send_plain(204, headers)
        self.send_plain(200, headers, json.dumps(results).encode("utf-8"), MEDIA_TYPE)

    def search_result(self, dataset, keys, include_paths, everything):
        """PS3.18 11.9.2: Return Key Type 1 and 2 attributes, 1C/2C ones whose condition holds,
        matched attributes and includefield attributes; never the Transaction UID."""
        if everything:
            chosen = {k: v for k, v in dataset.items() if k != T("TransactionUID")}
            return dict(sorted(chosen.items()))
        wanted = set()
        for keyword, spec in UPS_ATTRIBUTES.items():
            if spec[4] in ("1", "2"):
                wanted.add(keyword)
            elif spec[4] in ("1C", "2C") and T(keyword) in dataset:
                wanted.add(keyword)
        wanted.update(path[0] for path in keys)
        wanted.update(path[0] for path in include_paths)
        wanted.discard("TransactionUID")
        result = {}
        for keyword in wanted:
            tag, vr = KEYWORD[keyword]
            result[tag] = dataset.get(tag, {"vr": vr})
        return dict(sorted(result.items()))

    # -- Update (PS3.18 11.6, PS3.4 CC.2.6) ------------------------------------------------------
    def update_transaction_uid(self, query, dataset):
        """Where the Transaction UID travels, per dialect."""
        dialect = self.server.dialect
        allowed = {"standard": "transaction", "dcm4chee": "transaction", "transaction-uid": "transaction-uid"}
        in_body = T("TransactionUID") in dataset
        if dialect == "transaction-in-body":
            self.no_other_parameters(query, ("accept", "charset"))
            if in_body and not has_value(dataset[T("TransactionUID")]):
                raise UpsError(400, 0x0121, "TransactionUID (0008,1195) is present but empty")
            return first(dataset, "TransactionUID") if in_body else None
        parameter = allowed[dialect]
        self.no_other_parameters(query, (parameter, "accept", "charset"))
        if in_body:
            raise UpsError(400, 0x0106, f"TransactionUID (0008,1195) goes in the ?{parameter}= query parameter, not "
                                        "in the dataset (PS3.18 11.6.1.2)")
        value = self.single(query, parameter)
        if value is not None and (not UID_RE.match(value) or len(value) > 64):
            raise UpsError(400, 0xC301, f"{parameter}={value!r} is not a UID", W_UPDATE_INCONSISTENT)
        return value

    def update(self, uid, query, body):
        self.check_accept(query)
        outcome = {"action": "update", "uid": uid}
        try:
            with self.store.lock:
                workitem = self.workitem_uid(uid, "update")
                outcome.update(from_state=workitem.state, to_state=workitem.state)
                dataset = self.require_json_body(body)
                transaction = self.update_transaction_uid(query, dataset)
                outcome["transaction_uid"] = transaction
                state = workitem.state
                # CC.2.6.3 "The SCP shall refuse set requests on a COMPLETED or CANCELED UPS";
                # PS3.18 11.6.2 "If the Workitem is in the COMPLETED or CANCELED state, the
                # response shall be a 400 (Bad Request) failure response."
                if state in (COMPLETED, CANCELED):
                    raise refuse("update", 0xC300, f"workitem {uid} is {state}", W_UPDATE_INCONSISTENT)
                if state == SCHEDULED and transaction is not None:
                    # CC.2.6.2 "To N-SET a UPS instance currently in the SCHEDULED state, the
                    # Transaction UID Attribute shall not be present in the request."
                    raise refuse("update", 0xC310, f"workitem {uid} is SCHEDULED (not claimed): no Transaction UID "
                                                   "may be given", W_NOT_CLAIMED)
                if state == IN_PROGRESS and transaction is None:
                    raise refuse("update", 0xC301, f"workitem {uid} is IN PROGRESS: the Transaction UID is missing",
                                 W_UPDATE_INCONSISTENT)
                if state == IN_PROGRESS and transaction != workitem.transaction_uid:
                    raise refuse("update", 0xC301, f"workitem {uid} is IN PROGRESS under another Transaction UID",
                                 W_UPDATE_INCONSISTENT)
                changes = {k: v for k, v in dataset.items() if k != T("TransactionUID")}
                self.check_update(changes)
                before = workitem.dataset
                after = dict(before)
                after.update(changes)
                after[T("ScheduledProcedureStepModificationDateTime")] = {"vr": "DT", "Value": [now_dt()]}
                workitem.dataset = dict(sorted(after.items()))
                outcome["http_status"] = 200
                self.store.record(dict(outcome, method="POST", path=self.path, ps34_status=0))
                self.after_update(workitem, before)
            self.send_plain(200)
        except UpsError as error:
            self.record(**outcome, http_status=error.http_status, ps34_status=error.code, reason=error.reason())
            raise

    def check_update(self, changes):
        """PS3.4 Table CC.2.5-3 "Req. Type N-SET": "Not allowed" attributes; every top-level
        N-SET type is 3/x, for which zero length is not permitted (5.4.2.1)."""
        if not changes:
            raise UpsError(400, 0x0120, "the dataset sets no attribute")
        for tag, element in changes.items():
            keyword = TAG.get(tag, (None,))[0]
            if keyword == "ProcedureStepState":
                raise UpsError(400, 0x0106, "ProcedureStepState (0074,1000) is changed with the Change State "
                                            "transaction, not Update (PS3.4 CC.2.6.2, Table CC.2.5-3 \"Use N-ACTION\")")
            if keyword in NSET_NOT_ALLOWED:
                raise UpsError(400, 0x0106, f"{name(tag)} may not be set by Update (PS3.4 Table CC.2.5-3 N-SET "
                                            "\"Not allowed\")")
            if keyword == "ScheduledProcedureStepModificationDateTime":
                raise UpsError(400, 0x0106, f"{name(tag)} is set by the SCP (\"SCP shall use time of SET\")")
            if not has_value(element):
                raise UpsError(400, 0x0121, f"{name(tag)} is empty: N-SET types here are 3/x, for which zero length "
                                            "is not permitted (PS3.4 5.4.2.1)")
            if element.get("vr") == "SQ" and keyword:
                for index, item in enumerate(element["Value"]):
                    if keyword == "UnifiedProcedureStepPerformedProcedureSequence":
                        self.check_performed_item(item, index)
                    check_item(keyword, item, f"{keyword}[{index + 1}]: ", "update")

    def check_performed_item(self, item, index):
        """Inside the UPS Performed Procedure Sequence every N-SET type is 3/x except Output
        Information Sequence (2/2): only it may be empty."""
        for tag, element in item.items():
            if tag != T("OutputInformationSequence") and not has_value(element):
                raise UpsError(400, 0x0121, f"UnifiedProcedureStepPerformedProcedureSequence[{index + 1}]: "
                                            f"{name(tag)} is empty (N-SET 3/x, PS3.4 5.4.2.1)")

    def after_update(self, workitem, before):
        """PS3.4 CC.2.4.3 events caused by an Update."""
        store = self.store
        after = workitem.dataset
        if before.get(T("InputReadinessState")) != after.get(T("InputReadinessState")):
            store.notify(workitem.uid, EVENT_STATE_REPORT, store.state_report(workitem))

        def progress_fields(dataset):
            element = dataset.get(T("ProcedureStepProgressInformationSequence"))
            item = element["Value"][0] if has_value(element) else {}
            return [item.get(T(k)) for k in PROGRESS_TRIGGERS]

        if progress_fields(before) != progress_fields(after):
            store.notify(workitem.uid, EVENT_PROGRESS_REPORT,
                         {T("ProcedureStepProgressInformationSequence"):
                          after[T("ProcedureStepProgressInformationSequence")]})
        assigned = ("ScheduledStationNameCodeSequence", "ScheduledHumanPerformersSequence")
        if any(before.get(T(k)) != after.get(T(k)) for k in assigned):
            store.notify(workitem.uid, EVENT_ASSIGNED, store.assigned_report(workitem))

    # -- Change State (PS3.18 11.7, PS3.4 CC.2.1) ------------------------------------------------
    def change_state(self, uid, query, body, requester):
        self.no_other_parameters(query, ("accept", "charset"))
        self.check_accept(query)
        outcome = {"action": "change-state", "uid": uid, "requester": requester}
        try:
            if requester is not None:
                self.aet(requester)
            with self.store.lock:
                workitem = self.workitem_uid(uid, "change-state")
                outcome.update(from_state=workitem.state, to_state=workitem.state)
                dataset = self.require_json_body(body)
                allowed = {T("ProcedureStepState"), T("TransactionUID"), T("SpecificCharacterSet")}
                extra = [name(t) for t in dataset if t not in allowed]
                if extra:
                    raise UpsError(400, 0x0106, f"{extra}: the payload holds the Change UPS State Action Information "
                                                "only (PS3.4 Table CC.2.1-1, PS3.18 11.7.1.4)")
                if T("ProcedureStepState") not in dataset:
                    raise refuse("change-state", 0x0120, "ProcedureStepState (0074,1000) is required (PS3.4 Table "
                                                         "CC.2.1-1, 1/1)")
                requested = first(dataset, "ProcedureStepState")
                if requested is None:
                    raise refuse("change-state", 0x0121, "ProcedureStepState (0074,1000) is empty")
                outcome["requested_state"] = requested
                transaction = first(dataset, "TransactionUID")
                outcome["transaction_uid"] = transaction
                state = workitem.state
                txn_ok = transaction is not None if state == SCHEDULED else \
                    transaction is not None and transaction == workitem.transaction_uid
                kind, value = STATE_TABLE[(requested, txn_ok)][state]
                if kind == "error" and value == 0xC301:
                    text = W_TXN_MISSING if transaction is None else W_TXN_INCORRECT
                    detail = (f"workitem {uid} is {state}; " +
                              ("no Transaction UID was given" if transaction is None else
                               "the Transaction UID given is not the one recorded at the claim"))
                    raise refuse("change-state", 0xC301, detail, text)
                if kind == "error":
                    raise refuse("change-state", value, f"workitem {uid} is {state}, {requested} was requested "
                                                        "(PS3.4 Table CC.1.1-2)", CHANGE_STATE_WARNING[value])
                headers = []
                if kind == "warning":
                    headers.append(self.warning(CHANGE_STATE_WARNING[value]))
                    outcome.update(http_status=200, ps34_status=value)
                elif kind == "ok":   # the claim
                    workitem.transaction_uid = transaction
                    self.set_state(workitem, value)
                    outcome.update(to_state=value, http_status=200, ps34_status=0)
                else:                # "final"
                    if value == CANCELED:
                        self.fill_cancellation_datetime(workitem)
                    missing = self.final_state_missing(workitem, value)
                    if missing:
                        raise refuse("change-state", 0xC304, f"{value} requires {missing} (PS3.4 CC.2.5.1.1, Table "
                                                             "CC.2.5-3 Final State)", W_STATE_INCONSISTENT)
                    self.set_state(workitem, value)
                    outcome.update(to_state=value, http_status=200, ps34_status=0)
                self.store.record(dict(outcome, method="PUT", path=self.path))
                if kind in ("ok", "final"):
                    self.store.notify(uid, EVENT_STATE_REPORT, self.store.state_report(workitem))
            self.send_plain(200, headers)
        except UpsError as error:
            self.record(**outcome, http_status=error.http_status, ps34_status=error.code, reason=error.reason())
            raise

    def set_state(self, workitem, state):
        dataset = dict(workitem.dataset)
        dataset[T("ProcedureStepState")] = {"vr": "CS", "Value": [state]}
        workitem.dataset = dataset

    def fill_cancellation_datetime(self, workitem):
        """Table CC.2.5-3, Procedure Step Cancellation DateTime: "If changing the UPS State
        (0074,1000) to CANCELED and this Attribute has no value, the SCP shall fill it with the
        current datetime." (an item is created in the Progress Information Sequence if needed)."""
        dataset = dict(workitem.dataset)
        element = dataset.get(T("ProcedureStepProgressInformationSequence"))
        items = [dict(i) for i in element["Value"]] if has_value(element) else [{}]
        if not has_value(items[0].get(T("ProcedureStepCancellationDateTime"))):
            items[0][T("ProcedureStepCancellationDateTime")] = {"vr": "DT", "Value": [now_dt()]}
            items[0] = dict(sorted(items[0].items()))
            dataset[T("ProcedureStepProgressInformationSequence")] = {"vr": "SQ", "Value": items}
            workitem.dataset = dataset

    def final_state_missing(self, workitem, state):
        """The first unmet Final State requirement (PS3.4 CC.2.5.1.1), as text, or None."""
        dataset = workitem.dataset
        for keyword in FINAL_STATE_R:
            if not has_value(dataset.get(T(keyword))):
                return f"{name(T(keyword))} with a value (Final State R)"
        for path, requirement in FINAL_STATE[state]:
            code = "P" if state == COMPLETED else "X"
            element = dataset.get(T(path[0]))
            if len(path) == 2:
                element = element["Value"][0].get(T(path[1])) if has_value(element) else None
            label = " > ".join(name(T(k)) for k in path)
            if requirement == "present" and element is None:
                return f"{label}, present (it may have no items) (Final State {code})"
            if requirement == "value" and not has_value(element):
                return f"{label} with a value (Final State {code})"
        return None

    # -- Request Cancellation (PS3.18 11.8, PS3.4 CC.2.2) ----------------------------------------
    def cancel_request(self, uid, query, body, requester):
        self.no_other_parameters(query, ("accept", "charset"))
        self.check_accept(query)
        outcome = {"action": "cancelrequest", "uid": uid, "requester": requester}
        try:
            if requester is not None:
                self.aet(requester)
            dataset = self.require_json_body(body, optional=True) or {}
            for tag, element in dataset.items():
                keyword = TAG.get(tag, (None,))[0]
                if keyword not in CANCEL_REQUEST_ATTRIBUTES and keyword != "SpecificCharacterSet":
                    raise UpsError(400, 0x0106, f"{name(tag)}: the payload holds the Request UPS Cancel Action "
                                                "Information only (PS3.4 Table CC.2.2-1)")
                if not has_value(element):
                    raise UpsError(400, 0x0121, f"{name(tag)} is empty (PS3.4 Table CC.2.2-1: 3/1)")
                if element["vr"] == "SQ":
                    for index, item in enumerate(element["Value"]):
                        check_item(keyword, item, f"{keyword}[{index + 1}]: ", "cancelrequest")
            with self.store.lock:
                workitem = self.workitem_uid(uid, "cancelrequest")
                state = workitem.state
                outcome.update(from_state=state, to_state=state)
                kind, value = CANCEL_REQUEST_TABLE[state]
                if kind == "error":
                    raise refuse("cancelrequest", value, f"workitem {uid} is {state}")
                headers = []
                if kind == "warning":
                    headers.append(self.warning(W_ALREADY_CANCELED))
                    outcome.update(http_status=202, ps34_status=value)
                    self.store.record(dict(outcome, method="POST", path=self.path))
                else:
                    # CC.2.4.3: "Each time the SCP receives an N-ACTION with an Action Type ID of 2
                    # (Request UPS Cancel), the SCP shall send a UPS Cancel Requested Event".
                    requested = {}
                    if requester is not None:
                        requested[T("RequestingAE")] = {"vr": "AE", "Value": [requester]}
                    for keyword in CANCEL_REQUEST_ATTRIBUTES:
                        if T(keyword) in dataset:
                            requested[T(keyword)] = dataset[T(keyword)]
                    self.store.notify(uid, EVENT_CANCEL_REQUESTED, dict(sorted(requested.items())))
                    if kind == "cancel":
                        self.cancel_scheduled(workitem, dataset)
                        outcome.update(to_state=CANCELED, via=IN_PROGRESS)
                    outcome.update(http_status=202, ps34_status=0)
                    self.store.record(dict(outcome, method="POST", path=self.path))
            self.send_plain(202, headers)
        except UpsError as error:
            self.record(**outcome, http_status=error.http_status, ps34_status=error.code, reason=error.reason())
            raise

    def cancel_scheduled(self, workitem, request):
        """CC.2.2.3: "If the Procedure Step State (0074,1000) of the UPS instance is still
        SCHEDULED, the SCP shall change the Procedure Step State ... first to IN PROGRESS and
        then to CANCELED, ensuring that the Final State requirements ... are met." Both
        changes are reported (CC.1.1 "issuing the appropriate N-EVENT-REPORTS")."""
        store = self.store
        self.set_state(workitem, IN_PROGRESS)
        store.notify(workitem.uid, EVENT_STATE_REPORT, store.state_report(workitem))
        dataset = dict(workitem.dataset)
        element = dataset.get(T("ProcedureStepProgressInformationSequence"))
        item = dict(element["Value"][0]) if has_value(element) else {}
        item[T("ProcedureStepCancellationDateTime")] = {"vr": "DT", "Value": [now_dt()]}
        if T("ReasonForCancellation") in request:
            item[T("ReasonForCancellation")] = request[T("ReasonForCancellation")]
        code = request.get(T("ProcedureStepDiscontinuationReasonCodeSequence"))
        item[T("ProcedureStepDiscontinuationReasonCodeSequence")] = code or {"vr": "SQ", "Value":
                                                                              [DEFAULT_DISCONTINUATION_CODE]}
        rest = element["Value"][1:] if has_value(element) else []
        dataset[T("ProcedureStepProgressInformationSequence")] = {"vr": "SQ", "Value": [dict(sorted(item.items())),
                                                                                        *rest]}
        workitem.dataset = dataset
        self.set_state(workitem, CANCELED)
        store.notify(workitem.uid, EVENT_STATE_REPORT, store.state_report(workitem))

    # -- Subscribe / Unsubscribe / Suspend (PS3.18 11.10-11.12, PS3.4 CC.2.3) --------------------
    def subscribe(self, uid, aet, query, body):
        outcome = {"action": "subscribe", "uid": uid, "aet": aet}
        try:
            self.aet(aet)
            if body:
                raise UpsError(400, None, "the Subscribe request has no payload (PS3.18 11.10.1.4)")
            allowed = ("deletionlock", "accept", "charset") + (("filter",) if uid == FILTERED_SUBSCRIPTION_UID else ())
            self.no_other_parameters(query, allowed)
            self.check_accept(query)
            lock_text = self.single(query, "deletionlock")
            if lock_text not in (None, "true", "false"):
                raise UpsError(400, None, f"deletionlock={lock_text!r}: true or false (PS3.18 11.10.1.2)")
            lock = lock_text == "true"
            outcome["deletion_lock"] = lock
            with self.store.lock:
                store = self.store
                if uid == GLOBAL_SUBSCRIPTION_UID:
                    store.global_subscriptions[aet] = lock
                    for workitem in store.workitems.values():
                        key = (aet, workitem.uid)
                        if key not in store.subscriptions:   # Table CC.2.3-2 "Not Subscribed" column
                            store.subscriptions[key] = lock
                            if lock:   # CC.2.4.3: initial State Reports for a Global Subscription with Lock
                                store.notify(workitem.uid, EVENT_STATE_REPORT, store.state_report(workitem), [aet])
                elif uid == FILTERED_SUBSCRIPTION_UID:
                    filters = query.get("filter", [])
                    if not filters:
                        raise UpsError(400, None, "filter is required for the Filtered Worklist Subscription "
                                                  "(PS3.18 Table 11.10.1-2)")
                    pairs = []
                    for text in filters:
                        pairs += self.filter_pairs(text)
                    keys = parse_match_keys(pairs)
                    store.filtered_subscriptions[aet] = (lock, keys)
                    for workitem in store.workitems.values():
                        key = (aet, workitem.uid)
                        if key not in store.subscriptions and dataset_matches(workitem.dataset, keys):
                            store.subscriptions[key] = lock
                            if lock:
                                store.notify(workitem.uid, EVENT_STATE_REPORT, store.state_report(workitem), [aet])
                else:
                    workitem = self.workitem_uid(uid, "subscribe")
                    store.subscriptions[(aet, uid)] = lock
                    # CC.2.4.3: "Each time the SCP completes a Subscribe ... for a specific UPS
                    # instance, the SCP shall send to the Receiving AE a UPS State Report Event"
                    store.notify(uid, EVENT_STATE_REPORT, store.state_report(workitem), [aet])
                outcome["http_status"] = 201
                store.record(dict(outcome, method="POST", path=self.path))
            channel_url = f"ws://127.0.0.1:{self.server.server_address[1]}/ups-rs/subscribers/{urllib.parse.quote(aet)}"
            self.send_plain(201, [("Content-Location", channel_url)])
        except UpsError as error:
            self.record(**outcome, http_status=error.http_status, ps34_status=error.code, reason=error.reason())
            raise

    @staticmethod
    def filter_pairs(text):
        """filter = 1#(attribute "=" value) (PS3.18 11.10.1.2); a UID list's commas stay with
        the value before them."""
        pairs = []
        for part in text.split(","):
            if "=" in part:
                key, _, value = part.partition("=")
                pairs.append([key, value])
            elif pairs:
                pairs[-1][1] += "," + part
            else:
                raise UpsError(400, None, f"filter={text!r}: attribute=value pairs separated by commas")
        return [tuple(p) for p in pairs]

    def unsubscribe(self, uid, aet, query):
        outcome = {"action": "unsubscribe", "uid": uid, "aet": aet}
        try:
            self.aet(aet)
            self.no_other_parameters(query, ("accept", "charset"))
            with self.store.lock:
                store = self.store
                if uid in WELL_KNOWN_SUBSCRIPTION_UIDS:
                    had = aet in store.global_subscriptions or aet in store.filtered_subscriptions or \
                        any(a == aet for a, _ in store.subscriptions)
                    if not had:
                        raise UpsError(404, None, f"{aet} has no subscription (PS3.18 11.11.3.1)")
                    # Table CC.2.3-2 "AE Unsubscribes Globally": global state "No Global
                    # Subscription", and all the AE's UPS subscriptions go to Not Subscribed.
                    store.global_subscriptions.pop(aet, None)
                    store.filtered_subscriptions.pop(aet, None)
                    for key in [k for k in store.subscriptions if k[0] == aet]:
                        del store.subscriptions[key]
                else:
                    self.workitem_uid(uid, "subscribe")
                    if (aet, uid) not in store.subscriptions:
                        raise UpsError(404, None, f"{aet} is not subscribed to {uid} (PS3.18 11.11.3.1 \"The target "
                                                  "Subscription was not found\")")
                    del store.subscriptions[(aet, uid)]
                outcome["http_status"] = 200
                store.record(dict(outcome, method="DELETE", path=self.path))
            self.send_plain(200)
        except UpsError as error:
            self.record(**outcome, http_status=error.http_status, ps34_status=error.code, reason=error.reason())
            raise

    def suspend(self, uid, aet, query, body):
        outcome = {"action": "suspend", "uid": uid, "aet": aet}
        try:
            self.aet(aet)
            self.no_other_parameters(query, ("accept", "charset"))
            if body:
                raise UpsError(400, None, "the Suspend request has no payload (PS3.18 11.12.1.4)")
            if uid not in WELL_KNOWN_SUBSCRIPTION_UIDS:
                raise UpsError(404, None, "Suspend applies to the Worklist and Filtered Worklist Subscriptions only "
                                          "(PS3.18 Table 11.12.1-1)")
            with self.store.lock:
                table = self.store.global_subscriptions if uid == GLOBAL_SUBSCRIPTION_UID \
                    else self.store.filtered_subscriptions
                if aet not in table:
                    raise UpsError(404, None, f"{aet} has no subscription to {uid} (PS3.18 11.12.3.1)")
                del table[aet]   # existing UPS subscriptions are kept (Table CC.2.3-2 "Suspends")
                outcome["http_status"] = 200
                self.store.record(dict(outcome, method="POST", path=self.path))
            self.send_plain(200)
        except UpsError as error:
            self.record(**outcome, http_status=error.http_status, ps34_status=error.code, reason=error.reason())
            raise

    # -- Notification connection (PS3.18 8.10.4, RFC 6455) ---------------------------------------
    def open_channel(self, aet, query):
        self.aet(aet)
        self.no_other_parameters(query, ())
        if "websocket" not in self.headers.get("Upgrade", "").lower():
            raise UpsError(426, None, "this resource is a WebSocket Notification Connection (PS3.18 8.10.4): send "
                                      "Upgrade: websocket")
        connection_tokens = [t.strip().lower() for t in self.headers.get("Connection", "").split(",")]
        if "upgrade" not in connection_tokens:
            raise UpsError(400, None, "Connection: Upgrade is required (RFC 6455 4.2.1)")
        if self.request_version != "HTTP/1.1":
            raise UpsError(400, None, "the WebSocket handshake is an HTTP/1.1 request (RFC 6455 4.1)")
        if self.headers.get("Sec-WebSocket-Version", "").strip() != "13":
            raise UpsError(426, None, "Sec-WebSocket-Version 13 is required (RFC 6455 4.2.2)")
        key = self.headers.get("Sec-WebSocket-Key", "").strip()
        try:
            if len(base64.b64decode(key, validate=True)) != 16:
                raise ValueError
        except ValueError:
            raise UpsError(400, None, "Sec-WebSocket-Key is the base64 of 16 bytes (RFC 6455 4.1)") from None
        accept = base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode("ascii")).digest()).decode("ascii")
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        sock = self.connection
        sock.settimeout(None)
        channel = Channel(aet, sock)
        with self.store.lock:
            old = self.store.channels.get(aet)
            self.store.channels[aet] = channel
            if old is not None:   # a re-established connection replaces the old one (PS3.18 8.10.4.2)
                for text in old.unsent():
                    self.store.pending[aet].appendleft(text)
                old.close(1001, b"replaced by a new connection")
            for text in self.store.pending.pop(aet, []):
                channel.enqueue(text)
            self.record(action="open-channel", aet=aet, http_status=101)
        self.server.write_log(f"  channel open for {aet}")
        try:
            self.read_frames(channel)
        finally:
            with self.store.lock:
                if self.store.channels.get(aet) is channel:
                    del self.store.channels[aet]
                    for text in channel.unsent():   # not written: delivered on the next connection
                        self.store.pending[aet].append(text)
            channel.close_quietly()
            self.server.write_log(f"  channel closed for {aet}")

    def read_frames(self, channel):
        """Client frames (RFC 6455 5.2): masked (else close 1002), control frames <= 125 bytes
        and not fragmented; ping -> pong; close -> close echoed; data frames ignored."""
        sock = self.rfile
        while channel.alive:
            try:
                head = read_exact(sock, 2)
            except (ConnectionError, OSError):
                return
            fin, rsv, opcode = head[0] & 0x80, head[0] & 0x70, head[0] & 0x0F
            masked, length = head[1] & 0x80, head[1] & 0x7F
            try:
                if length == 126:
                    length = struct.unpack("!H", read_exact(sock, 2))[0]
                elif length == 127:
                    length = struct.unpack("!Q", read_exact(sock, 8))[0]
                mask = read_exact(sock, 4) if masked else b""
                payload = read_exact(sock, length) if length else b""
            except (ConnectionError, OSError):
                return
            if not masked:
                return channel.close(1002, b"client frames must be masked (RFC 6455 5.1)")
            if rsv:
                return channel.close(1002, b"reserved bits set")
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode >= 0x8 and (length > 125 or not fin):
                return channel.close(1002, b"bad control frame")
            if opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1000
                return channel.close(code if code in (1000, 1001) else 1000)
            if opcode == 0x9:
                channel.send_frame(0xA, payload)
            elif opcode in (0x0, 0x1, 0x2, 0xA):
                continue
            else:
                return channel.close(1002, b"unknown opcode")

    # -- test-only endpoints ---------------------------------------------------------------------
    def fixture(self, method, rest, query):
        if method != "GET":
            raise self.not_allowed(["GET"])
        with self.store.lock:
            if rest == "log":
                body = json.dumps(self.store.log)
            elif rest == "events":
                body = json.dumps(self.store.events)
            elif rest.startswith("workitems/"):
                workitem = self.store.workitems.get(rest[len("workitems/"):])
                if workitem is None:
                    raise UpsError(404, None, "no such workitem")
                dataset = dict(workitem.dataset)
                dataset[T("TransactionUID")] = {"vr": "UI", "Value": [workitem.transaction_uid]} \
                    if workitem.transaction_uid else {"vr": "UI"}
                body = json.dumps(dict(sorted(dataset.items())))
            else:
                raise UpsError(404, None, "test endpoints: /_fixture/log, /_fixture/events, /_fixture/workitems/{uid}")
        self.send_plain(200, [], body.encode("utf-8"), "application/json")


# ---------------------------------------------------------------------------------------------

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--dialect", default="standard",
                        choices=["standard", "transaction-uid", "transaction-in-body", "dcm4chee"])
    parser.add_argument("--log")
    args = parser.parse_args(argv)
    log_file = open(args.log, "a", encoding="utf-8") if args.log else None
    server = Server(("127.0.0.1", args.port), args.dialect, log_file)
    port = server.server_address[1]

    def stop(signum, frame):  # noqa: ARG001
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.port_file:
        temporary = f"{args.port_file}.{os.getpid()}.tmp"
        with open(temporary, "w", encoding="ascii") as handle:
            handle.write(f"{port}\n")
        os.replace(temporary, args.port_file)
    server.write_log(f"listening on 127.0.0.1:{port}, dialect {args.dialect}")
    print(f"ups_rs_server: http://127.0.0.1:{port}/ups-rs ({args.dialect})", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        with server.store.lock:
            channels = list(server.store.channels.values())
        for channel in channels:
            channel.close(1001, b"server going down")
        server.server_close()
        server.write_log("stopped")
        if log_file:
            log_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
