//! Frozen v1 ciphertext vectors. THESE CONSTANTS MUST NEVER CHANGE.
//!
//! Blobs of format v1 are stored by customers and must decrypt for as long as Trent exists. If
//! a test here fails, the change broke compatibility with every v1 ciphertext ever issued: fix
//! the code, not the vectors. A new format gets a new version byte and new vectors beside these.
//!
//! The vectors were produced from the written specification (DESIGN.md §4) by an independent
//! implementation, `frozen_v1_reference.py` (pyca/cryptography, not aws-lc-rs), so they check
//! the Rust code against the spec rather than against itself.

use trent_crypto::{
    CiphertextHeader, CryptoError, EncryptionContext, SymmetricKey, canonical_context, decrypt,
    encrypt_with_nonce, peek_header,
};

const KEY_A: &str = "412733cc3375a22c75a9f99332be1b95dbd01ca3c7f69f38e24938d8494adf8f";
const KEY_B: &str = "e19998f5333cd0039ae0d076c1a0adff3180675925c4dad9edbcb7c3e5144227";
const KEY_ID_A: &str = "1234abcd12ab34cd56ef1234567890ab";
const KEY_ID_B: &str = "ff00ee11dd22cc33bb44aa5599668877";

const EMPTY_CONTEXT_BLOB: &str = "\
    011234abcd12ab34cd56ef1234567890ab000000019e516bfd9ef2a54c9a67f7feb25cd00585bc6beac34588cf8eaca2\
    b74e0f084bde8ab3f8013a8f1db66bf3f9de507d6595e08fea10b69566f26500cf5d";
const EMPTY_CONTEXT_CANONICAL: &str = "";
const TWO_PAIRS_BLOB: &str = "\
    011234abcd12ab34cd56ef1234567890ab000000070d16313476399b92ce16b3c4bbfb1828cd596fd79ac5ec41b7b015\
    ef821ae0e62d0367e3f5b695ba90a91110d2df54f1a1d80f35c659c44cdbebb6d6d0e659d3ea6e2d09cc31de76690f8b\
    6919e1e90e";
const TWO_PAIRS_CANONICAL: &str =
    "00000007707572706f736500000004746573740000000674656e616e740000000461636d65";
const LARGE_BLOB: &str = "\
    011234abcd12ab34cd56ef1234567890ab00000002beb9f782e248547ede4c4fbb8a6ef93a42d9d3df8c555edc215d5f\
    0f26e4dbeec97ad734186fd93d0b47d7a0326bc25cecb6fdb1cd15e29b2f966607a3ea10736b0b85bafcf601614b13e7\
    b94219f075ec3d8a497452e88b436fefc3c875217000ba4ad8e039e72bb6fec53c99aa163f9e0693ffb59bc4735799b0\
    40ece3e495ec0d72e56634030fd59723108ce9fa573096b4ebbc3443d65f1dc9ba8e1fecae25342aed31638df492e109\
    0785262356315a4acdd5e13f4ade0fb01063823094daaad0388537072de9fad9fb50edeb76778229ff9b5d4476e0b4ee\
    c8c639e86bd8f07a88f5d36b5e1681936eae6a531de78b0396f59245ecd23055667af1649dbee13259fb5f9cda8efbfb\
    cc140fa1f75cb5bf279b615c9ee9acd0130c8ed7de4610bc3d8dfbe92e27d6a3796b5196c3adaae98340c99cc7f301b4\
    c56f8ce63ce5185e12ad1dcb3d0094e742c6ae9313d3ed10d0f930a3b3441a318686d26d935a7bcade82cf84e37b2c8f\
    46c24957aa0ade8460e1d19ef7ee724beafd7469d2393a627631c52fd7b992988e73662ab534509697c69ae99ae44e87\
    a3577f4bc9eb9b730e17d5f1789e81d4b540b87a9913b54f63cab82421df70e587fe0905d5fbdc4abcd0a76491b36625\
    e99a705ab4c9a915f97b2a73a1e8f4b5dd6343216181e879ce738d78358fa2592520f8467397d82f896451809afff787\
    5a9534a7e5eac9073e782a5e982d886e1f47c9854e2ae7703ac55bc12f7608d34026a89c525c573836add23eac006e98\
    4b489d38d0afd052a1574329aab5d89e4474f2b020a2dadc1652ee357628c9882098bc2250ce684b7b6b40037d6759c7\
    dfb329f4c6109ee90cb4dc87352a3ea0fcfbaf71a5d7f3d765328fb6161c5ffddf5f6863b2cfb9e3b6b256c84cc3c0a4\
    79439a9973bd792094273100c6642d9f2455da617ce23c2204abc424678a11f183ae96a0b88b16ecc5e31974447f5633\
    d3fc49c569c05d1ea90a316175d0a8e889d20192361ceb1dec6ef0fd7549551c602a4fdd462c8db8a91cb84f4bf8233a\
    2899e29a97e52ffac32499bbadbd012cc3626081c8de92500489564e64f1564c6c19b9ff63888e6b404674a9fccae1bb\
    359d9caf186a1d30015db94396939db109eaed28397927f0608fe89fdefae4f517ac363bb3c3bdd8d8e488dc49fbfc9b\
    eca8910816d4327aec05238e6c56d3509cea19fbfb1035369eac759363a7ad3c833090edc3b8f9fc6e6c1d1d9bf31643\
    44bdd5e65103881b2e84137b05e19e61156682ffbc94cc994c5e5bb98da705c8af06914b7e18c13ca39e93211d4d63b2\
    1a8bb5e7a7506065cce18cc70a1b7d4b391a2586541e9c405ce15c7a408db3f41f8bc92dfb00c7e70f6b4f29f2df695f\
    7c13951e7fa1613f561362e664e0ccf5061b6a6a4d0787691560d21699bd81d2d787918ecb90ee2865457bf5cb7af97b\
    de0a3b22eaa87237ddd9893b4cddd981fd0d7b5c56210888579899b1af0bfc57a3a2ea9f949b40ae07db2d7a5cc2c654\
    8bcd423f7d9191df9cacbc557de975be32a238dc7a216e0e65e6f35e2fdc33907330c68965b80d924e29913dfa305874\
    25d096f3f7aa281ad2046554d5af3867998a04f356f9303c7360b0e215369b2698bc74a720e88d5d77f79dc2fc7d44bb\
    59ca112c302aad33f815ab13e2ebeedfb6f5c8d1a547fc1ed313a1d601a5bf6a63543faf8e9385563a859880207b0710\
    d2b250bb15f54ce9dd371db5916eaf85ae0b1634adb96ada94f8b876f0649d569e33e43cb767b8e0d12af909439a493f\
    ce142931d327d4281a823ac204c83761e785293fd451a5e21f4fb068df1eed1ef7d21d36566100ce78672b9b780a3a99\
    cd300ebd57aa1d73f8d754a515f892fe72686d9fc0658c2f36846db24fddcd2dcf03addcbaf2a2e09f80a2389bf6eec0\
    21d3d13682e80e85dba56047b8ff76c36c00ac9c9b39dc9c068618cabd54b6c0dac3bb0ab3b86bab86fbf1a9ff47aacd\
    c81b64b7161fb7e624fd26da1edc6391939ae1092d24caaeff49de4ae4835464f7aa5fadedd8baa7dd02ead7be4392aa\
    31f2a3e3b4aaf9d38d1e2a2cdb9ec972b37f1a309b862364250f89fe8f947cde0536bc053b5704f8b84552ca1fc1c57d\
    e90adabe060e4fb1331b4865bd275686a20e94358a9aff8eba0bf5c6785b91bc832d7543d5c7731e50e322747e1e435b\
    eb9a0a84bcc3ec4eb7d807c742faf1777f42f7840c5d0cdfa929ebd1d128222bb8ddf23953285e1a0dd25cd13c9eafac\
    a5e530ab05c60a47e75ee7865ffb4d35f7a48e9daad33dc1fce74093ca8f37fb76e8032fdd212735e58fbe79538ffaab\
    5da6cc2860909c02d2e0b4a85dea593cf6d3f3dacaa6e5b266e8723e27b8b83858ec3d1a8db534784dae28e24fad8d01\
    c582a0a199d169012762d9b4f05b3e1ffdb02a36553bdd56f792b02f17ac6b3d5fdd73a5a16b5af465f0843561ebfdc5\
    10a1f2746cb476a9ce075ef9bb990bd97cc3fbd84dcac302392930c8fddefd9a934f212dc85ba46b338f2f332fc3bdc8\
    8b5e4224a12e72f1823a4f291078c71675d3a91e578e4b7ec50b391834349f55e98826825da358eefba21b30f27fc79e\
    933e6dac8b3908f19fe8534878539cef44ff13c29ec86ed245671ef69e585fb02e902252378b67d6a37bc584e15d6aa3\
    fcba3b827610240f5d656d53e747f5894aa56f4bde731d450ad41e971cd7d20609ced44362c0c2b10f9c12d316060768\
    e54b1bb9d783692a703896b411cbdebeb0be327a1d7a6766a5a4a5c119de238ecbdfca27d0ce6f8ab8704465e321129f\
    58e5e6394e808797e80535139a89e18198a0f70a2c9f11e2445ae60d55c00a979b08a02b083906ef423f8ed8d68f2a2b\
    27d3ddf4e762858cd2c94b4643c21e6ab517563fd7d875ff60b3c2b9b3e7eaae5981603086ae0a1c91aeab74390bfaf0\
    10243acf21ad565b4d22630f8bd9a4b68445eb3f0ded6962203ed3a5fefcd502aab813fe95d3870e15268c8b1ced5e68\
    02bad7a1e9a5f7db8a34d4f0362d56e3527037a370376d3b7a0510cf6ef62255d39f424042d7259b45efa7579224375b\
    a1a32f85f2f37ad7543d637d5ad5000cbf1004b21f94340e61061b30c4effa46f07b6e5b47fc65d3901bac55081310fa\
    07ca491a744fcceee1a3694afb555088d1fec5c5d6eab715c78ed1ef0a0bca7c7481699078a6b241c3557e803c67ef1b\
    dba5e026331de3854a85b345b32a7ff310b7542e3ba6148c5ab1f520caff19214ea3edcbdfd87218490d3cae94993186\
    5b964a8c6d4409f0d07e18fce6490d49166d6b5dae34c0721c4a4a37b3be13af4b8f2ebae4573c8f894474001423b48e\
    9f2fa45f4f55f4487e7f0f513edadd15ed847d49c12c7519ad9c8c724cf4dec3a08fd795c023ccd7a4fe98b3538127d4\
    8065191fc7c8822274962beda84bbef7c70caa1501a1b994621b2371ff3cc9ba6b1af8702d14c68dcf0ef0d72a85d1ce\
    cedc04a0fcd89c6acaf4f8b798e76dd08577e6284a3e375b695888a363b30ff2b95c01d0987b78f7d3a681dfb21f6f62\
    8cf84bde79110bccb89811e64892588315e9f0ef72fb80c4122100ef30189c1f1ccb877ef1f8068324188af10bc92b5a\
    3d1908b0f0d1d4fb47aad26f5d7510b1ee14f17c3dad3820617f33743080d9ca2b92f02816f5cff20acdbe3d11ca300a\
    4e4191de8bb5d76233808af60feb2688168cd5f1e9cb5a8c18f87061597cb06b1354d49d18e3b777671a911571a5d161\
    4d3b99c061adeb77d705067e0b750ca9556b43c815fb607e56a0cf939cf051173a755065013202c16ae49a5c7aee0cd9\
    bd87bafd5725b5451983ba8a040e833ed7c0a9cb06cff65cdea5070eb4dd1342a122852a3d6889e60d8e088fdcbdb1c3\
    c9f9327d304e28832054dece9cc7b5657afd3139c31a02de1a06a4b604572f5ebc775c6317dfafbe90de53a5911b985e\
    d24c8dc430ce87e2aed1c5168e9051ef49f1ba6ae82b799b27e09e91413d74ad5a796dd6ab616111d5f9b0523d68f69f\
    a05db80afa29048e5d09598ed70bc6a28e928b40220092e99d437ea9dfb12ff6b16415162ef72059f2882a144537048b\
    95caee284d6049eec40aadbc704c8282ec9b3ad6b7c84ee1b83297b9488289b011ead42bcf79a948ccd0fd03ed43b727\
    f464795202c490b4ff584ad5561b3d44b1181a00c00fdbb1acc7b3fff6944e2658be49709c611bd10317d1f23a19f416\
    43bb6982fdd7ee1d3fb6ef6d9054addfca7fa2f3e4e50b014dea02b224b369740b2d34426fe850ebce135e2022c80729\
    5a08eb5693db4626804e6a06894032aa80445a6dc0b34659c956bfc9ed533035e55513b0d690f5460d3d0243b4877c6d\
    26bb29dd152067a791cee0e1b21cc09bc10c04372d04972dcfbedd0eee76dc131a57f991fb24d4e17c655938baee98e7\
    98b23f37b9be26c4a51940a6863144ebcf46f9b992efe79b571393f9d109f02da2ff37969d21a2b5acbe787a8912a2b4\
    b688046476838ad2eaa839aa0c0636ff72b6f4e0cbb94d3c00db11a0b5e17ea92fff17db559ba1cff8e31d8635757717\
    e2de0c5f05a4257fc02487a89ebed73324c4cba6f490d11d9dbbd9c21dd7eccdd381031c482d2282beaf037fb3a02fae\
    dce7ab0ca692409e526caa83ae2dd93b471e3a0ec6978e665bf099ea3edba82a9fbc5781ed27935831b31680871d7e2e\
    b2d6416c3355a2f7597c72c1c6d15333a97c938de1bea577dff69011b0360fac0a6769d5638055223f778b0d17e9d9d8\
    89ca1b1f556917b17aaaef47c2faf7f3db755a51dcb031f2aa79a24ad24eed14b1539aba24e5b35ffc7176cd5386fb3f\
    8463fe18fc292b756f858fe1e43f3a0f11a7101d2479079267267cbc12a863ec24d274dd26b7b6c4ab986a597ec51546\
    22426f87707a7dd2234355554fbe6e19d9691e36380d9ba5540ffd80307d30bc8898ceef39c635a4c9a79730d4c82c0d\
    b7eac2d615d7a2601b14eab1c3bcfcff35bb2cf9f6a4086c55c2d75cac2e498f089154acef6fca10b7cf00b5eb162db9\
    4090fa97ce16e15e6ea34df2166e4af3f9993a0ee10d249091c3d539e9cb58f9842a514a1bb683b68b1184d124d74533\
    c4353600887244a171ea2e72dd3944a92749f151ece5cab6bf3faca6f0b69dc7f6a0a126d63db16e004f61f687f6ccad\
    64d61da0d3abc84b7282855a655f31112b63f99639c9d063d8e2da8bd3b86cc7f2ebdf7b3fbf2e97af171a91cba79f31\
    64f3f6e50599777845a72634e976fa83f3ea6535523267611dc13c9d234bf3e0a9e2395b7787e5dda80f6d3a5a1fb1ea\
    32536cf4a4fc60d4431ad0dbb96f7adcf3b6069ff79f594f3de84c707455998816ed10d3dbe70c76066ff8baac9825e8\
    6f1fdc51d770caab1ce5f30768c3785f7f2ef0feb09edf84352a3965504aaa1ed79ca1b0557f6f12414f0608a1a34a99\
    e95ec9c690b8e54a14bf306c01e066c7c6fc927910fa7f1edb7396c3f0179bb0d19264b0069e7af823d52fc8b0eaeabf\
    952e2134342ae88434bc37df404b0062994ef1b8937b493a64eaac762707ae05d10cbdbab8d2e51394fb2af27db3260c\
    0de5edbaa323e8ebbb0f8d1a27c2db3abca2b717d90e4237f3d2ab88f7b7b05c895cd15f8dab687e81f645f82ba62f22\
    8eb166b52ad0f7dc487b970d69b339e4744fb6812ed923768e09a1e937d0b66eeb54aff95ea05f7e7414c45b0ff56bd9\
    80636d9566012c10f6ac0eb4e007d06ec8148e517383cd94b8d03578c44045b18e71d419b7cd116ec897549bc54427fe\
    95b108e5188ac2ec11eb43a0a72438f50781a0fa38d26d79845bfbb90af780482672b085b1";
const LARGE_CANONICAL: &str = "0000000a4465706172746d656e740000000746696e616e6365";
const NON_ASCII_BLOB: &str = "\
    01ff00ee11dd22cc33bb44aa5599668877fffffffe1fc45e4a31cc52ac40631fa88f4197c64fc4de84bdaad47b1623fa\
    8c94496b536b540cb2ef2e01f1880cf0223d7a86411274efcf32906489b416c6f6ed6face345741dc861";
const NON_ASCII_CANONICAL: &str = "\
    000000014100000000000000075ac3bc7269636800000002c3bc00000008d0bad0bbd18ed18700000010d0b7d0bdd0b0\
    d187d0b5d0bdd0b8d0b500000003efbfbf00000004f090808000000004f09f949100000002cea9";

/// One frozen vector: the inputs of `encrypt_with_nonce` and what they must produce.
struct Vector {
    name: &'static str,
    key: &'static str,
    key_id: &'static str,
    material_version: u32,
    nonce: &'static str,
    context: EncryptionContext,
    plaintext: Vec<u8>,
    canonical: &'static str,
    blob: &'static str,
}

fn context(pairs: &[(&str, &str)]) -> EncryptionContext {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn vectors() -> Vec<Vector> {
    vec![
        Vector {
            name: "empty context",
            key: KEY_A,
            key_id: KEY_ID_A,
            material_version: 1,
            nonce: "9e516bfd9ef2a54c9a67f7feb25cd00585bc6beac34588cf8eaca2b74e0f084b",
            context: EncryptionContext::new(),
            plaintext: b"Hello, Trent!".to_vec(),
            canonical: EMPTY_CONTEXT_CANONICAL,
            blob: EMPTY_CONTEXT_BLOB,
        },
        Vector {
            name: "two pairs",
            key: KEY_A,
            key_id: KEY_ID_A,
            material_version: 7,
            nonce: "0d16313476399b92ce16b3c4bbfb1828cd596fd79ac5ec41b7b015ef821ae0e6",
            context: context(&[("tenant", "acme"), ("purpose", "test")]),
            plaintext: (0u8..32).collect(),
            canonical: TWO_PAIRS_CANONICAL,
            blob: TWO_PAIRS_BLOB,
        },
        Vector {
            name: "4096-byte plaintext",
            key: KEY_A,
            key_id: KEY_ID_A,
            material_version: 2,
            nonce: "beb9f782e248547ede4c4fbb8a6ef93a42d9d3df8c555edc215d5f0f26e4dbee",
            context: context(&[("Department", "Finance")]),
            plaintext: (0..4096u32).map(|i| (i % 251) as u8).collect(),
            canonical: LARGE_CANONICAL,
            blob: LARGE_BLOB,
        },
        Vector {
            name: "non-ASCII context",
            key: KEY_B,
            key_id: KEY_ID_B,
            material_version: 0xFFFF_FFFE,
            nonce: "1fc45e4a31cc52ac40631fa88f4197c64fc4de84bdaad47b1623fa8c94496b53",
            context: context(&[
                ("Zürich", "ü"),
                ("ключ", "значение"),
                ("🔑", "Ω"),
                ("A", ""),
                ("\u{ffff}", "\u{10000}"),
            ]),
            plaintext: "nul \0 and ünïcödé".as_bytes().to_vec(),
            canonical: NON_ASCII_CANONICAL,
            blob: NON_ASCII_BLOB,
        },
    ]
}

fn bytes(hex_text: &str) -> Vec<u8> {
    hex::decode(hex_text).expect("frozen constants are valid hex")
}

fn array<const N: usize>(hex_text: &str) -> [u8; N] {
    bytes(hex_text)
        .try_into()
        .expect("frozen constant has the right length")
}

fn key(vector: &Vector) -> SymmetricKey {
    SymmetricKey::from_bytes(&bytes(vector.key)).expect("32-byte key")
}

#[test]
fn frozen_v1_blobs_decrypt_forever() {
    for v in vectors() {
        let plaintext = decrypt(&key(&v), &bytes(v.blob), &v.context)
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(plaintext.expose(), v.plaintext, "{}", v.name);
    }
}

#[test]
fn frozen_v1_blobs_are_reproduced_byte_for_byte() {
    for v in vectors() {
        let blob = encrypt_with_nonce(
            &key(&v),
            array(v.key_id),
            v.material_version,
            array(v.nonce),
            &v.context,
            &v.plaintext,
        );
        assert_eq!(hex::encode(blob), v.blob, "{}", v.name);
    }
}

#[test]
fn frozen_v1_canonical_contexts() {
    for v in vectors() {
        assert_eq!(
            hex::encode(canonical_context(&v.context)),
            v.canonical,
            "{}",
            v.name
        );
    }
}

#[test]
fn frozen_v1_headers() {
    for v in vectors() {
        let blob = bytes(v.blob);
        assert_eq!(blob.len(), v.plaintext.len() + trent_crypto::OVERHEAD);
        assert_eq!(
            peek_header(&blob).expect("valid header"),
            CiphertextHeader {
                key_id: array(v.key_id),
                material_version: v.material_version,
                nonce: array(v.nonce),
            },
            "{}",
            v.name
        );
    }
}

#[test]
fn frozen_v1_blobs_reject_the_wrong_key_and_context() {
    let vectors = vectors();
    for v in &vectors {
        let blob = bytes(v.blob);
        let mut other_context = v.context.clone();
        other_context.insert("extra".into(), "pair".into());
        assert!(matches!(
            decrypt(&key(v), &blob, &other_context),
            Err(CryptoError::InvalidCiphertext)
        ));
        let other_key = if v.key == KEY_A { KEY_B } else { KEY_A };
        let other_key = SymmetricKey::from_bytes(&bytes(other_key)).expect("32-byte key");
        assert!(matches!(
            decrypt(&other_key, &blob, &v.context),
            Err(CryptoError::InvalidCiphertext)
        ));
    }
}
