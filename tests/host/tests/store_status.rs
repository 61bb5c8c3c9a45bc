// SPDX-License-Identifier: GPL-2.0

//! Store status: targets and the save-area image.

use kvm_s390_host_tests::logic::store_status::*;

#[test]
fn targets() {
    assert_eq!(
        target(u64::MAX, 0x4000),
        Target {
            image: 0x1200,
            arch_mode: Some(163)
        }
    );
    assert_eq!(
        target(u64::MAX - 1, 0x4000),
        Target {
            image: 0x5200,
            arch_mode: Some(0x4000 + 163)
        }
    );
    assert_eq!(
        target(0x8000, 0x4000),
        Target {
            image: 0x8000,
            arch_mode: None
        }
    );
}

#[test]
fn image_layout() {
    let mut st = CpuStatus::default();
    st.fprs[1] = 0x1111;
    st.gprs[15] = 0xf;
    st.psw = [0x0000_0001_8000_0000, 0x1234];
    st.prefix = 0x4000;
    st.fpc = 0x0800_0000;
    st.todpr = 0x22;
    st.cputm = 0x33;
    st.ckc = 0x4400;
    st.acrs[2] = 0x55;
    st.crs[14] = 0xc200_0000;
    let im = image(&st);
    let be64 = |o: usize| u64::from_be_bytes(im[o..o + 8].try_into().unwrap());
    let be32 = |o: usize| u32::from_be_bytes(im[o..o + 4].try_into().unwrap());
    assert_eq!(be64(0x08), 0x1111);
    assert_eq!(be64(0x80 + 15 * 8), 0xf);
    assert_eq!((be64(0x100), be64(0x108)), (0x0000_0001_8000_0000, 0x1234));
    assert_eq!(be32(0x118), 0x4000);
    assert_eq!(be32(0x11c), 0x0800_0000);
    assert_eq!(be32(0x124), 0x22);
    assert_eq!(be64(0x128), 0x33);
    assert_eq!(be64(0x130), 0x44);
    assert_eq!(be32(0x148), 0x55);
    assert_eq!(be64(0x180 + 14 * 8), 0xc200_0000);
    // The fields lie inside the image and do not overlap.
    let mut used = [false; IMAGE_SIZE];
    for (off, len) in FIELDS {
        for b in &mut used[off..off + len] {
            assert!(!*b);
            *b = true;
        }
    }
}
