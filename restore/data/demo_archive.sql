-- Demo ALMA archive: the tables, and only the columns, that MOUS restores query, under the names
-- they have in the ALMA archive (restore/science/ARCHIVE_QUERIES.md lists the queries and where each name
-- was read). Loaded into an in-memory SQLite by restore.science.archive.connect(None). Edit by hand.

CREATE TABLE ASA_PROJECT (
    CODE VARCHAR(32) PRIMARY KEY,
    TITLE VARCHAR(256)
);
-- One row per archived EB (ASDM) of a member OUS.
CREATE TABLE ASA_SCIENCE (
    ASA_OUS_ID VARCHAR(64) NOT NULL,
    MEMBER_OUSS_ID VARCHAR(64) NOT NULL,
    PROJECT_CODE VARCHAR(32) NOT NULL,
    ASDM_UID VARCHAR(64)
);
-- Product files per OUS; NGAS_FILE_ID is the file id in NGAS, STORED_SIZE its size in bytes.
CREATE TABLE ASA_PRODUCT_FILES (
    ASA_OUS_ID VARCHAR(64) NOT NULL,
    FILE_CLASS VARCHAR(16) NOT NULL CHECK (FILE_CLASS IN ('science', 'calibration', 'script')),
    NGAS_FILE_ID VARCHAR(256) NOT NULL,
    STORED_SIZE INTEGER
);
-- OUS status documents; the parent chain leads MOUS -> GOUS -> SOUS. OBS_PROJECT_ID and
-- DOMAIN_ENTITY_ID are the ObsProject uid and the ObsUnitSet part id.
CREATE TABLE OBS_UNIT_SET_STATUS (
    STATUS_ENTITY_ID VARCHAR(64) PRIMARY KEY,
    DOMAIN_ENTITY_ID VARCHAR(32) NOT NULL,
    OBS_PROJECT_ID VARCHAR(64) NOT NULL,
    OBS_PROJECT_STATUS_ID VARCHAR(64) NOT NULL,
    PARENT_OBS_UNIT_SET_STATUS_ID VARCHAR(64),
    XML TEXT
);
CREATE TABLE SCHED_BLOCK_STATUS (
    STATUS_ENTITY_ID VARCHAR(64) PRIMARY KEY,
    DOMAIN_ENTITY_ID VARCHAR(64) NOT NULL,
    DOMAIN_ENTITY_STATE VARCHAR(32) NOT NULL,
    PARENT_OBS_UNIT_SET_STATUS_ID VARCHAR(64) NOT NULL
);
CREATE TABLE AQUA_EXECBLOCK (
    EXECBLOCKUID VARCHAR(64) PRIMARY KEY,
    SCHEDBLOCKUID VARCHAR(64),
    QA0STATUS VARCHAR(16),
    STARTTIME VARCHAR(32),
    ENDTIME VARCHAR(32)
);


-- uid://A001/X12a3/X80e, one of the MOUSes of NRAO's notes on MOUS-level ALMA restores. The QA0
-- SemiPass EB Xa33e is in the OUSStatus XML (session 1) but not in the pipeline manifest; the
-- delivered restore script runs fixsyscaltimes. EB times inside each session are invented.
INSERT INTO ASA_PROJECT VALUES ('2017.1.01347.S', NULL);
INSERT INTO ASA_SCIENCE VALUES ('uid://A001/X12a3/X80e', 'uid://A001/X12a3/X80e', '2017.1.01347.S', 'uid://A002/Xce574d/Xa33e');
INSERT INTO ASA_SCIENCE VALUES ('uid://A001/X12a3/X80e', 'uid://A001/X12a3/X80e', '2017.1.01347.S', 'uid://A002/Xcf92df/X3453');
INSERT INTO OBS_UNIT_SET_STATUS VALUES ('uid://A001/X12a3/X80c', 'X00001000', 'uid://A001/X1221/Xdf8', 'uid://A001/X1221/Xdfc', NULL, NULL);
INSERT INTO OBS_UNIT_SET_STATUS VALUES ('uid://A001/X12a3/X80d', 'X00001001', 'uid://A001/X1221/Xdf8', 'uid://A001/X1221/Xdfc', 'uid://A001/X12a3/X80c', NULL);
INSERT INTO OBS_UNIT_SET_STATUS VALUES ('uid://A001/X12a3/X80e', 'X659301709', 'uid://A001/X1221/Xdf8', 'uid://A001/X1221/Xdfc', 'uid://A001/X12a3/X80d', '<?xml version="1.0" encoding="UTF-8"?>
<ouss:OUSStatus xmlns:val="Alma/ValueTypes" xmlns:orv="Alma/ObsPrep/ObsReview" xmlns:ouss="Alma/Scheduling/OUSStatus" xmlns:oat="Alma/ObsPrep/ObsAttachment" xmlns:ps="Alma/Scheduling/ProjectStatus" xmlns:sbs="Alma/Scheduling/SBStatus" xmlns:prj="Alma/ObsPrep/ObsProject" xmlns:ent="Alma/CommonEntity" xmlns:sbl="Alma/ObsPrep/SchedBlock" xmlns:prp="Alma/ObsPrep/ObsProposal" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="13" revision="23" almatype="APDM::OUSStatus" xsi:type="ouss:OUSStatus">
  <ps:Status State="Delivered"/>
  <ps:TimeOfUpdate>2018-07-10 11:00:46.672</ps:TimeOfUpdate>
  <ps:executionsRemaining>-1</ps:executionsRemaining>
  <ps:successfulExecutions>2</ps:successfulExecutions>
  <ps:failedExecutions>0</ps:failedExecutions>
  <ps:secondsRemaining>7200</ps:secondsRemaining>
  <ps:successfulSeconds>0</ps:successfulSeconds>
  <ps:failedSeconds>0</ps:failedSeconds>
  <ps:hasExecutionCount>true</ps:hasExecutionCount>
  <ps:hasTimeLimit>true</ps:hasTimeLimit>
  <ps:bookkeepingInitialized>false</ps:bookkeepingInitialized>
  <ps:TotalUsedTimeInSec>0</ps:TotalUsedTimeInSec>
  <ps:ContainingObsUnitSetRef entityId="uid://A001/X12a3/X80d" entityTypeName="OUSStatus" documentVersion="1"/>
  <ps:ProjectStatusRef entityId="uid://A001/X1221/Xdfc" entityTypeName="ProjectStatus" documentVersion="1"/>
  <ouss:OUSStatusEntity entityId="uid://A001/X12a3/X80e" entityIdEncrypted="-- id encryption not implemented --" entityTypeName="OUSStatus" schemaVersion="13"/>
  <ouss:ObsUnitSetRef entityId="uid://A001/X1221/Xdf8" partId="X659301709" entityTypeName="ObsProject"/>
  <ouss:NumberSBsCompleted>2</ouss:NumberSBsCompleted>
  <ouss:SBStatusRef entityId="uid://A001/X12a3/X80f" entityTypeName="SBStatus" documentVersion="1"/>
  <ouss:Session entityPartId="X00000000" almatype="APDM::Session">
    <ouss:StartTime>2018-06-06 12:41:10.826</ouss:StartTime>
    <ouss:EndTime>2018-06-06 13:07:22.036</ouss:EndTime>
    <ouss:ExecBlockRef>
      <val:ExecBlockId>uid://A002/Xce574d/Xa33e</val:ExecBlockId>
    </ouss:ExecBlockRef>
    <ouss:SBStatusRef entityId="uid://A001/X12a3/X80f" entityTypeName="SBStatus"/>
  </ouss:Session>
  <ouss:Session entityPartId="X00000001" almatype="APDM::Session">
    <ouss:StartTime>2018-07-10 10:34:32.962</ouss:StartTime>
    <ouss:EndTime>2018-07-10 11:00:46.858</ouss:EndTime>
    <ouss:ExecBlockRef>
      <val:ExecBlockId>uid://A002/Xcf92df/X3453</val:ExecBlockId>
    </ouss:ExecBlockRef>
    <ouss:SBStatusRef entityId="uid://A001/X12a3/X80f" entityTypeName="SBStatus"/>
  </ouss:Session>
</ouss:OUSStatus>');
INSERT INTO SCHED_BLOCK_STATUS VALUES ('uid://A001/X12a3/X80f', 'uid://A001/X12a3/X804', 'FullyObserved', 'uid://A001/X12a3/X80e');
INSERT INTO AQUA_EXECBLOCK VALUES ('uid://A002/Xce574d/Xa33e', 'uid://A001/X12a3/X804', 'SemiPass', '2018-06-06 12:42:10.826', '2018-06-06 13:06:22.036');
INSERT INTO AQUA_EXECBLOCK VALUES ('uid://A002/Xcf92df/X3453', 'uid://A001/X12a3/X804', 'Pass', '2018-07-10 10:35:32.962', '2018-07-10 10:59:46.858');
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X12a3/X80e', 'calibration', 'member.uid___A001_X12a3_X80e.hifa_calimage.auxproducts.tgz', 155);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X12a3/X80e', 'calibration', 'member.uid___A001_X12a3_X80e.session_2.auxcaltables.tgz', 225);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X12a3/X80e', 'calibration', 'member.uid___A001_X12a3_X80e.session_2.caltables.tgz', 231);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X12a3/X80e', 'calibration', 'uid___A002_Xcf92df_X3453.ms.calapply.txt', 305);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X12a3/X80e', 'calibration', 'uid___A002_Xcf92df_X3453.ms.flagversions.tgz', 262);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X12a3/X80e', 'calibration', 'uid___A002_Xcf92df_X3453_target.ms.auxcalapply.txt', 52);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X12a3/X80e', 'script', 'member.uid___A001_X12a3_X80e.calimage.pipeline_manifest.xml', 1284);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X12a3/X80e', 'script', 'member.uid___A001_X12a3_X80e.hifa_calimage.casa_piperestorescript.py', 549);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X12a3/X80e', 'script', 'member.uid___A001_X12a3_X80e.hifa_calimage.casa_pipescript.py', 173);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X12a3/X80e', 'script', 'member.uid___A001_X12a3_X80e.scriptForPI.py', 62);

-- uid://A001/X1284/X265f and its four EBs, the test MOUS of NRAO's notes on MOUS-level ALMA restores.
-- Its project, SOUS/GOUS, ObsProject, statuses, SB and sessions below are invented.
INSERT INTO ASA_PROJECT VALUES ('2017.1.00236.S', 'Invented title for the seed MOUS X265f');
INSERT INTO ASA_SCIENCE VALUES ('uid://A001/X1284/X265f', 'uid://A001/X1284/X265f', '2017.1.00236.S', 'uid://A002/Xc7111c/X86a7');
INSERT INTO ASA_SCIENCE VALUES ('uid://A001/X1284/X265f', 'uid://A001/X1284/X265f', '2017.1.00236.S', 'uid://A002/Xc7111c/X409e');
INSERT INTO ASA_SCIENCE VALUES ('uid://A001/X1284/X265f', 'uid://A001/X1284/X265f', '2017.1.00236.S', 'uid://A002/Xc72427/X2dfe');
INSERT INTO ASA_SCIENCE VALUES ('uid://A001/X1284/X265f', 'uid://A001/X1284/X265f', '2017.1.00236.S', 'uid://A002/Xc7111c/X3979');
INSERT INTO OBS_UNIT_SET_STATUS VALUES ('uid://A001/X1284/X265d', 'X00001002', 'uid://A001/X1220/X2a7d', 'uid://A001/X1220/X2a81', NULL, NULL);
INSERT INTO OBS_UNIT_SET_STATUS VALUES ('uid://A001/X1284/X265e', 'X00001003', 'uid://A001/X1220/X2a7d', 'uid://A001/X1220/X2a81', 'uid://A001/X1284/X265d', NULL);
INSERT INTO OBS_UNIT_SET_STATUS VALUES ('uid://A001/X1284/X265f', 'X1203576924', 'uid://A001/X1220/X2a7d', 'uid://A001/X1220/X2a81', 'uid://A001/X1284/X265e', '<?xml version="1.0" encoding="UTF-8"?>
<ouss:OUSStatus xmlns:val="Alma/ValueTypes" xmlns:ouss="Alma/Scheduling/OUSStatus" xmlns:ps="Alma/Scheduling/ProjectStatus" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="13" revision="7" almatype="APDM::OUSStatus" xsi:type="ouss:OUSStatus">
  <ps:Status State="Delivered"/>
  <ps:ContainingObsUnitSetRef entityId="uid://A001/X1284/X265e" entityTypeName="OUSStatus" documentVersion="1"/>
  <ps:ProjectStatusRef entityId="uid://A001/X1220/X2a81" entityTypeName="ProjectStatus" documentVersion="1"/>
  <ouss:OUSStatusEntity entityId="uid://A001/X1284/X265f" entityTypeName="OUSStatus" schemaVersion="13"/>
  <ouss:ObsUnitSetRef entityId="uid://A001/X1220/X2a7d" partId="X1203576924" entityTypeName="ObsProject"/>
  <ouss:SBStatusRef entityId="uid://A001/X1284/X2660" entityTypeName="SBStatus" documentVersion="1"/>
  <ouss:Session entityPartId="X00000000" almatype="APDM::Session">
    <ouss:StartTime>2017-12-01 03:10:11.000</ouss:StartTime>
    <ouss:EndTime>2017-12-01 06:02:45.000</ouss:EndTime>
    <ouss:ExecBlockRef>
      <val:ExecBlockId>uid://A002/Xc7111c/X3979</val:ExecBlockId>
    </ouss:ExecBlockRef>
    <ouss:ExecBlockRef>
      <val:ExecBlockId>uid://A002/Xc7111c/X409e</val:ExecBlockId>
    </ouss:ExecBlockRef>
    <ouss:ExecBlockRef>
      <val:ExecBlockId>uid://A002/Xc7111c/X86a7</val:ExecBlockId>
    </ouss:ExecBlockRef>
    <ouss:SBStatusRef entityId="uid://A001/X1284/X2660" entityTypeName="SBStatus"/>
  </ouss:Session>
  <ouss:Session entityPartId="X00000001" almatype="APDM::Session">
    <ouss:StartTime>2017-12-09 02:40:00.000</ouss:StartTime>
    <ouss:EndTime>2017-12-09 03:44:12.000</ouss:EndTime>
    <ouss:ExecBlockRef>
      <val:ExecBlockId>uid://A002/Xc72427/X2dfe</val:ExecBlockId>
    </ouss:ExecBlockRef>
    <ouss:SBStatusRef entityId="uid://A001/X1284/X2660" entityTypeName="SBStatus"/>
  </ouss:Session>
</ouss:OUSStatus>');
INSERT INTO SCHED_BLOCK_STATUS VALUES ('uid://A001/X1284/X2660', 'uid://A001/X1284/X2659', 'FullyObserved', 'uid://A001/X1284/X265f');
INSERT INTO AQUA_EXECBLOCK VALUES ('uid://A002/Xc7111c/X3979', 'uid://A001/X1284/X2659', 'Pass', '2017-12-01 03:11:11.000', '2017-12-01 04:06:42.333');
INSERT INTO AQUA_EXECBLOCK VALUES ('uid://A002/Xc7111c/X409e', 'uid://A001/X1284/X2659', 'Pass', '2017-12-01 04:08:42.333', '2017-12-01 05:04:13.666');
INSERT INTO AQUA_EXECBLOCK VALUES ('uid://A002/Xc7111c/X86a7', 'uid://A001/X1284/X2659', 'Pass', '2017-12-01 05:06:13.666', '2017-12-01 06:01:44.999');
INSERT INTO AQUA_EXECBLOCK VALUES ('uid://A002/Xc72427/X2dfe', 'uid://A001/X1284/X2659', 'Pass', '2017-12-09 02:41:00.000', '2017-12-09 03:43:12.000');
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1284/X265f', 'calibration', 'member.uid___A001_X1284_X265f.session_1.caltables.tgz', 284);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1284/X265f', 'calibration', 'member.uid___A001_X1284_X265f.session_2.caltables.tgz', 230);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1284/X265f', 'calibration', 'uid___A002_Xc7111c_X3979.ms.calapply.txt', 305);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1284/X265f', 'calibration', 'uid___A002_Xc7111c_X3979.ms.flagversions.tgz', 262);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1284/X265f', 'calibration', 'uid___A002_Xc7111c_X409e.ms.calapply.txt', 305);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1284/X265f', 'calibration', 'uid___A002_Xc7111c_X409e.ms.flagversions.tgz', 262);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1284/X265f', 'calibration', 'uid___A002_Xc7111c_X86a7.ms.calapply.txt', 305);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1284/X265f', 'calibration', 'uid___A002_Xc7111c_X86a7.ms.flagversions.tgz', 262);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1284/X265f', 'calibration', 'uid___A002_Xc72427_X2dfe.ms.calapply.txt', 305);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1284/X265f', 'calibration', 'uid___A002_Xc72427_X2dfe.ms.flagversions.tgz', 261);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1284/X265f', 'script', 'member.uid___A001_X1284_X265f.calimage.pipeline_manifest.xml', 2504);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1284/X265f', 'script', 'member.uid___A001_X1284_X265f.hifa_calimage.casa_piperestorescript.py', 354);

-- Invented: project 2019.1.00678.S with three MOUSes: one observed in three sessions, one never
-- calibrated (no calibration products), one calibrated manually (a scriptForCalibration).
INSERT INTO ASA_PROJECT VALUES ('2019.1.00678.S', 'Demo project for restore tests');
INSERT INTO ASA_SCIENCE VALUES ('uid://A001/X1465/X1a2c', 'uid://A001/X1465/X1a2c', '2019.1.00678.S', 'uid://A002/Xe0cd4d/X1e27');
INSERT INTO ASA_SCIENCE VALUES ('uid://A001/X1465/X1a2c', 'uid://A001/X1465/X1a2c', '2019.1.00678.S', 'uid://A002/Xe0cd4d/X2a1f');
INSERT INTO ASA_SCIENCE VALUES ('uid://A001/X1465/X1a2c', 'uid://A001/X1465/X1a2c', '2019.1.00678.S', 'uid://A002/Xe1d2cb/X7a9');
INSERT INTO ASA_SCIENCE VALUES ('uid://A001/X1465/X1a2c', 'uid://A001/X1465/X1a2c', '2019.1.00678.S', 'uid://A002/Xe1f219/X10f2');
INSERT INTO ASA_SCIENCE VALUES ('uid://A001/X1465/X1a2c', 'uid://A001/X1465/X1a2c', '2019.1.00678.S', 'uid://A002/Xe1f219/Xc03');
INSERT INTO OBS_UNIT_SET_STATUS VALUES ('uid://A001/X1465/X1a2a', 'X00001004', 'uid://A001/X1460/X3c1', 'uid://A001/X1460/X3c5', NULL, NULL);
INSERT INTO OBS_UNIT_SET_STATUS VALUES ('uid://A001/X1465/X1a2b', 'X00001005', 'uid://A001/X1460/X3c1', 'uid://A001/X1460/X3c5', 'uid://A001/X1465/X1a2a', NULL);
INSERT INTO OBS_UNIT_SET_STATUS VALUES ('uid://A001/X1465/X1a2c', 'X1588723561', 'uid://A001/X1460/X3c1', 'uid://A001/X1460/X3c5', 'uid://A001/X1465/X1a2b', '<?xml version="1.0" encoding="UTF-8"?>
<ouss:OUSStatus xmlns:val="Alma/ValueTypes" xmlns:ouss="Alma/Scheduling/OUSStatus" xmlns:ps="Alma/Scheduling/ProjectStatus" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="13" revision="7" almatype="APDM::OUSStatus" xsi:type="ouss:OUSStatus">
  <ps:Status State="Delivered"/>
  <ps:ContainingObsUnitSetRef entityId="uid://A001/X1465/X1a2b" entityTypeName="OUSStatus" documentVersion="1"/>
  <ps:ProjectStatusRef entityId="uid://A001/X1460/X3c5" entityTypeName="ProjectStatus" documentVersion="1"/>
  <ouss:OUSStatusEntity entityId="uid://A001/X1465/X1a2c" entityTypeName="OUSStatus" schemaVersion="13"/>
  <ouss:ObsUnitSetRef entityId="uid://A001/X1460/X3c1" partId="X1588723561" entityTypeName="ObsProject"/>
  <ouss:SBStatusRef entityId="uid://A001/X1465/X1a2d" entityTypeName="SBStatus" documentVersion="1"/>
  <ouss:Session entityPartId="X00000000" almatype="APDM::Session">
    <ouss:StartTime>2019-10-20 02:10:00.000</ouss:StartTime>
    <ouss:EndTime>2019-10-20 04:55:01.120</ouss:EndTime>
    <ouss:ExecBlockRef>
      <val:ExecBlockId>uid://A002/Xe0cd4d/X1e27</val:ExecBlockId>
    </ouss:ExecBlockRef>
    <ouss:ExecBlockRef>
      <val:ExecBlockId>uid://A002/Xe0cd4d/X2a1f</val:ExecBlockId>
    </ouss:ExecBlockRef>
    <ouss:SBStatusRef entityId="uid://A001/X1465/X1a2d" entityTypeName="SBStatus"/>
  </ouss:Session>
  <ouss:Session entityPartId="X00000001" almatype="APDM::Session">
    <ouss:StartTime>2019-11-02 06:01:00.000</ouss:StartTime>
    <ouss:EndTime>2019-11-02 07:12:40.500</ouss:EndTime>
    <ouss:ExecBlockRef>
      <val:ExecBlockId>uid://A002/Xe1d2cb/X7a9</val:ExecBlockId>
    </ouss:ExecBlockRef>
    <ouss:SBStatusRef entityId="uid://A001/X1465/X1a2d" entityTypeName="SBStatus"/>
  </ouss:Session>
  <ouss:Session entityPartId="X00000002" almatype="APDM::Session">
    <ouss:StartTime>2019-11-05 23:00:00.000</ouss:StartTime>
    <ouss:EndTime>2019-11-06 01:30:09.998</ouss:EndTime>
    <ouss:ExecBlockRef>
      <val:ExecBlockId>uid://A002/Xe1f219/X10f2</val:ExecBlockId>
    </ouss:ExecBlockRef>
    <ouss:ExecBlockRef>
      <val:ExecBlockId>uid://A002/Xe1f219/Xc03</val:ExecBlockId>
    </ouss:ExecBlockRef>
    <ouss:SBStatusRef entityId="uid://A001/X1465/X1a2d" entityTypeName="SBStatus"/>
  </ouss:Session>
</ouss:OUSStatus>');
INSERT INTO SCHED_BLOCK_STATUS VALUES ('uid://A001/X1465/X1a2d', 'uid://A001/X1465/X1a28', 'FullyObserved', 'uid://A001/X1465/X1a2c');
INSERT INTO AQUA_EXECBLOCK VALUES ('uid://A002/Xe0cd4d/X1e27', 'uid://A001/X1465/X1a28', 'Pass', '2019-10-20 02:11:00.000', '2019-10-20 03:31:30.560');
INSERT INTO AQUA_EXECBLOCK VALUES ('uid://A002/Xe0cd4d/X2a1f', 'uid://A001/X1465/X1a28', 'Pass', '2019-10-20 03:33:30.560', '2019-10-20 04:54:01.120');
INSERT INTO AQUA_EXECBLOCK VALUES ('uid://A002/Xe1d2cb/X7a9', 'uid://A001/X1465/X1a28', 'Pass', '2019-11-02 06:02:00.000', '2019-11-02 07:11:40.500');
INSERT INTO AQUA_EXECBLOCK VALUES ('uid://A002/Xe1f219/X10f2', 'uid://A001/X1465/X1a28', 'Pass', '2019-11-05 23:01:00.000', '2019-11-06 00:14:04.999');
INSERT INTO AQUA_EXECBLOCK VALUES ('uid://A002/Xe1f219/Xc03', 'uid://A001/X1465/X1a28', 'Pass', '2019-11-06 00:16:04.999', '2019-11-06 01:29:09.998');
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'calibration', 'member.uid___A001_X1465_X1a2c.session_1.caltables.tgz', 258);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'calibration', 'member.uid___A001_X1465_X1a2c.session_2.caltables.tgz', 229);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'calibration', 'member.uid___A001_X1465_X1a2c.session_3.caltables.tgz', 267);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'calibration', 'uid___A002_Xe0cd4d_X1e27.ms.calapply.txt', 305);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'calibration', 'uid___A002_Xe0cd4d_X1e27.ms.flagversions.tgz', 262);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'calibration', 'uid___A002_Xe0cd4d_X2a1f.ms.calapply.txt', 305);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'calibration', 'uid___A002_Xe0cd4d_X2a1f.ms.flagversions.tgz', 262);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'calibration', 'uid___A002_Xe1d2cb_X7a9.ms.calapply.txt', 302);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'calibration', 'uid___A002_Xe1d2cb_X7a9.ms.flagversions.tgz', 262);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'calibration', 'uid___A002_Xe1f219_X10f2.ms.calapply.txt', 305);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'calibration', 'uid___A002_Xe1f219_X10f2.ms.flagversions.tgz', 261);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'calibration', 'uid___A002_Xe1f219_Xc03.ms.calapply.txt', 302);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'calibration', 'uid___A002_Xe1f219_Xc03.ms.flagversions.tgz', 263);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'script', 'member.uid___A001_X1465_X1a2c.calimage.pipeline_manifest.xml', 3127);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1a2c', 'script', 'member.uid___A001_X1465_X1a2c.hifa_calimage.casa_piperestorescript.py', 393);
INSERT INTO ASA_SCIENCE VALUES ('uid://A001/X1465/X1b10', 'uid://A001/X1465/X1b10', '2019.1.00678.S', 'uid://A002/Xe20f5a/X55d1');
INSERT INTO OBS_UNIT_SET_STATUS VALUES ('uid://A001/X1465/X1b10', 'X1588723561', 'uid://A001/X1460/X3c1', 'uid://A001/X1460/X3c5', 'uid://A001/X1465/X1a2b', '<?xml version="1.0" encoding="UTF-8"?>
<ouss:OUSStatus xmlns:val="Alma/ValueTypes" xmlns:ouss="Alma/Scheduling/OUSStatus" xmlns:ps="Alma/Scheduling/ProjectStatus" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="13" revision="7" almatype="APDM::OUSStatus" xsi:type="ouss:OUSStatus">
  <ps:Status State="Delivered"/>
  <ps:ContainingObsUnitSetRef entityId="uid://A001/X1465/X1a2b" entityTypeName="OUSStatus" documentVersion="1"/>
  <ps:ProjectStatusRef entityId="uid://A001/X1460/X3c5" entityTypeName="ProjectStatus" documentVersion="1"/>
  <ouss:OUSStatusEntity entityId="uid://A001/X1465/X1b10" entityTypeName="OUSStatus" schemaVersion="13"/>
  <ouss:ObsUnitSetRef entityId="uid://A001/X1460/X3c1" partId="X1588723561" entityTypeName="ObsProject"/>
  <ouss:SBStatusRef entityId="uid://A001/X1465/X1b11" entityTypeName="SBStatus" documentVersion="1"/>
  <ouss:Session entityPartId="X00000000" almatype="APDM::Session">
    <ouss:StartTime>2019-11-20 09:00:00.000</ouss:StartTime>
    <ouss:EndTime>2019-11-20 10:00:00.000</ouss:EndTime>
    <ouss:ExecBlockRef>
      <val:ExecBlockId>uid://A002/Xe20f5a/X55d1</val:ExecBlockId>
    </ouss:ExecBlockRef>
    <ouss:SBStatusRef entityId="uid://A001/X1465/X1b11" entityTypeName="SBStatus"/>
  </ouss:Session>
</ouss:OUSStatus>');
INSERT INTO SCHED_BLOCK_STATUS VALUES ('uid://A001/X1465/X1b11', 'uid://A001/X1465/X1b0e', 'FullyObserved', 'uid://A001/X1465/X1b10');
INSERT INTO AQUA_EXECBLOCK VALUES ('uid://A002/Xe20f5a/X55d1', 'uid://A001/X1465/X1b0e', 'Pass', '2019-11-20 09:01:00.000', '2019-11-20 09:59:00.000');
INSERT INTO ASA_SCIENCE VALUES ('uid://A001/X1465/X1c10', 'uid://A001/X1465/X1c10', '2019.1.00678.S', 'uid://A002/Xe2a4b1/X3f0e');
INSERT INTO OBS_UNIT_SET_STATUS VALUES ('uid://A001/X1465/X1c10', 'X1588723561', 'uid://A001/X1460/X3c1', 'uid://A001/X1460/X3c5', 'uid://A001/X1465/X1a2b', '<?xml version="1.0" encoding="UTF-8"?>
<ouss:OUSStatus xmlns:val="Alma/ValueTypes" xmlns:ouss="Alma/Scheduling/OUSStatus" xmlns:ps="Alma/Scheduling/ProjectStatus" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" schemaVersion="13" revision="7" almatype="APDM::OUSStatus" xsi:type="ouss:OUSStatus">
  <ps:Status State="Delivered"/>
  <ps:ContainingObsUnitSetRef entityId="uid://A001/X1465/X1a2b" entityTypeName="OUSStatus" documentVersion="1"/>
  <ps:ProjectStatusRef entityId="uid://A001/X1460/X3c5" entityTypeName="ProjectStatus" documentVersion="1"/>
  <ouss:OUSStatusEntity entityId="uid://A001/X1465/X1c10" entityTypeName="OUSStatus" schemaVersion="13"/>
  <ouss:ObsUnitSetRef entityId="uid://A001/X1460/X3c1" partId="X1588723561" entityTypeName="ObsProject"/>
  <ouss:SBStatusRef entityId="uid://A001/X1465/X1c11" entityTypeName="SBStatus" documentVersion="1"/>
  <ouss:Session entityPartId="X00000000" almatype="APDM::Session">
    <ouss:StartTime>2019-12-01 11:00:00.000</ouss:StartTime>
    <ouss:EndTime>2019-12-01 12:00:00.000</ouss:EndTime>
    <ouss:ExecBlockRef>
      <val:ExecBlockId>uid://A002/Xe2a4b1/X3f0e</val:ExecBlockId>
    </ouss:ExecBlockRef>
    <ouss:SBStatusRef entityId="uid://A001/X1465/X1c11" entityTypeName="SBStatus"/>
  </ouss:Session>
</ouss:OUSStatus>');
INSERT INTO SCHED_BLOCK_STATUS VALUES ('uid://A001/X1465/X1c11', 'uid://A001/X1465/X1c0e', 'FullyObserved', 'uid://A001/X1465/X1c10');
INSERT INTO AQUA_EXECBLOCK VALUES ('uid://A002/Xe2a4b1/X3f0e', 'uid://A001/X1465/X1c0e', 'Pass', '2019-12-01 11:01:00.000', '2019-12-01 11:59:00.000');
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1c10', 'calibration', 'uid___A002_Xe2a4b1_X3f0e.ms.split.cal.flagversions.tgz', 208);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1c10', 'script', 'uid___A002_Xe2a4b1_X3f0e.ms.scriptForCalibration.py', 53);
INSERT INTO ASA_PRODUCT_FILES VALUES ('uid://A001/X1465/X1c10', 'script', 'member.uid___A001_X1465_X1c10.scriptForPI.py', 36);
