// SPDX-License-Identifier: GPL-2.0

//! Handlers of the privileged (and a few other) instructions SIE intercepts and the backend
//! emulates: STIDP, SPX, STPX, STAP, STFL, STSI, LCTL(G), STCTL(G), LPSW(E/EY), EPSW, TB,
//! TPROT, PTFF, SCKPF, the IPTE-interlock intercepts, and the operation exception of
//! runtime-instrumentation and guarded-storage instructions the guest lacks the facility
//! for (Principles of Operation, chapter 10 "Control Instructions"; mainline: `priv.c`).
//!
//! Every handler has mainline's shape: count it in mainline's statistic, privileged-
//! operation exception in problem state, decode, specification exception for a misaligned
//! operand, guest access (whose exception the guest gets), then done. They are reached
//! through the table in `instruction.rs`.

use core::ptr::{addr_of_mut, write_volatile};

use kernel::bindings;
use kernel::prelude::*;

use crate::gaccess;
use crate::instruction::Insn;
use crate::intercept::Outcome;
use crate::ipte;
use crate::kvm_host::{self, Psw};
use crate::logic::access;
use crate::logic::instruction as decode;
use crate::logic::prefix::GuestReal;
use crate::logic::psw;
use crate::logic::sie_exit::pgm;
use crate::logic::skey;
use crate::logic::stsi;
use crate::stats::count;

/// Lowcore: the facility list STFL stores (a word).
const LC_STFL_FAC_LIST: u64 = 0xc8;

/// STORE CPU ID (B202): the CPU id of the VM's CPU model.
pub(crate) fn stidp(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_stidp);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let (ga, ar) = insn.s_operand();
    if ga & 7 != 0 {
        return insn.program(pgm::SPECIFICATION);
    }
    let id = insn.vcpu.vm().model_cpuid().to_be_bytes();
    match insn.write(ga, ar, &id) {
        Ok(()) => Ok(Outcome::Continue),
        Err(e) => insn.access_failed(e),
    }
}

/// SET PREFIX (B210).
pub(crate) fn spx(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_spx);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let (ga, ar) = insn.s_operand();
    if ga & 3 != 0 {
        return insn.program(pgm::SPECIFICATION);
    }
    let mut word = [0u8; 4];
    if let Err(e) = insn.read(ga, ar, &mut word) {
        return insn.access_failed(e);
    }
    // Bits 1-18 of the operand: an 8 KiB aligned address below 2 GiB.
    let prefix = u32::from_be_bytes(word) & 0x7fff_e000;
    // Memory comes in pieces of at least 1 MiB, so the first page stands for both.
    if !gaccess::exists(insn.vcpu, u64::from(prefix)) {
        return insn.program(pgm::ADDRESSING);
    }
    let sie = insn.vcpu.sie_block();
    // SAFETY: the SIE block is ours while the guest is out. The run loop maps the new
    // prefix pages before the next entry; the guest's TLB may hold translations to the
    // old prefix area, so it is purged.
    unsafe {
        (*sie).prefix_ibc = kvm_host::with_prefix((*sie).prefix_ibc, prefix);
        (*sie).ihcpu = kvm_host::IHCPU_PURGE_TLB;
    }
    Ok(Outcome::Continue)
}

/// STORE PREFIX (B211).
pub(crate) fn stpx(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_stpx);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let (ga, ar) = insn.s_operand();
    if ga & 3 != 0 {
        return insn.program(pgm::SPECIFICATION);
    }
    match insn.write(ga, ar, &insn.vcpu.prefix().to_be_bytes()) {
        Ok(()) => Ok(Outcome::Continue),
        Err(e) => insn.access_failed(e),
    }
}

/// STORE CPU ADDRESS (B212): the vCPU id.
pub(crate) fn stap(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_stap);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let (ga, ar) = insn.s_operand();
    if ga & 1 != 0 {
        return insn.program(pgm::SPECIFICATION);
    }
    let id = (insn.vcpu.id() as u16).to_be_bytes();
    match insn.write(ga, ar, &id) {
        Ok(()) => Ok(Outcome::Continue),
        Err(e) => insn.access_failed(e),
    }
}

/// STORE FACILITY LIST (B2B1): facility bits 0-31 of the guest's list into the lowcore
/// (real address, so only prefixing applies; no protection).
pub(crate) fn stfl(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_stfl);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let word = ((insn.vcpu.vm().facility_dword(0) >> 32) as u32).to_be_bytes();
    gaccess::write_real(insn.vcpu, GuestReal(LC_STFL_FAC_LIST), &word)?;
    Ok(Outcome::Continue)
}

/// The guest address of the intercepted instruction (for the breaking-event address).
fn instruction_address(insn: &Insn<'_>) -> u64 {
    let sie = insn.vcpu.sie_block();
    // SAFETY: the SIE block is ours while the guest is out.
    let (icptcode, icptstatus, pgmilc) = unsafe {
        (
            (*sie).icptcode,
            (*sie).icptstatus,
            ((*sie).pgmilc_iprcc >> 16) as u16,
        )
    };
    let ilen = crate::logic::sie_exit::intercepted_ilen(icptcode, insn.ipa, icptstatus, pgmilc);
    psw::backward(insn.psw(), ilen).addr
}

/// Loads `new` as the guest PSW if valid (the old one already replaced, as the CPU does:
/// the specification exception is recognised with the new PSW in place and the old PSW
/// stored is the new one). Records the breaking-event address.
fn load_psw(insn: &Insn<'_>, new: Psw, iaddr: u64) -> Result<Outcome> {
    insn.set_psw(new);
    if !psw::is_valid(new) {
        return insn.program(pgm::SPECIFICATION);
    }
    let sie = insn.vcpu.sie_block();
    // SAFETY: the SIE block is ours while the guest is out.
    unsafe { (*sie).gbea = iaddr };
    Ok(Outcome::Continue)
}

/// LOAD PSW (82): an ESA/390-format short PSW, which must have bit 12 set.
pub(crate) fn lpsw(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_lpsw);
    let iaddr = instruction_address(insn);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let (ga, ar) = insn.s_operand();
    if ga & 7 != 0 {
        return insn.program(pgm::SPECIFICATION);
    }
    let mut short = [0u8; 8];
    if let Err(e) = insn.read(ga, ar, &mut short) {
        return insn.access_failed(e);
    }
    match psw::from_short(short) {
        Some(new) => load_psw(insn, new, iaddr),
        None => insn.program(pgm::SPECIFICATION),
    }
}

/// LOAD PSW EXTENDED (B2B2).
pub(crate) fn lpswe(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_lpswe);
    let iaddr = instruction_address(insn);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let (ga, ar) = insn.s_operand();
    if ga & 7 != 0 {
        return insn.program(pgm::SPECIFICATION);
    }
    let mut bytes = [0u8; 16];
    if let Err(e) = insn.read(ga, ar, &mut bytes) {
        return insn.access_failed(e);
    }
    load_psw(insn, psw::psw_from_bytes(bytes), iaddr)
}

/// EXTRACT PSW (B98D): not privileged.
pub(crate) fn epsw(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_epsw);
    let (r1, r2) = decode::rre_registers(insn.ipb);
    let mask = insn.psw().mask;
    insn.gprs[r1] = (insn.gprs[r1] & !0xffff_ffff) | (mask >> 32);
    if r2 != 0 {
        insn.gprs[r2] = (insn.gprs[r2] & !0xffff_ffff) | (mask & 0xffff_ffff);
    }
    Ok(Outcome::Continue)
}

/// TEST BLOCK (B22C): clears the 4 KiB block at the real address in R2; the block is
/// usable (condition code 0, general register 0 cleared).
pub(crate) fn tb(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_tb);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let (_, r2) = decode::rre_registers(insn.ipb);
    let cpu = insn.cpu();
    let real = access::effective(&cpu, insn.gprs[r2] & !(access::PAGE_SIZE - 1));
    if let Err(e) = access::check_low_address_real(&cpu, real) {
        return insn.access_failed(e);
    }
    let abs = crate::logic::prefix::real_to_absolute(cpu.prefix, GuestReal(real)).0;
    if !gaccess::exists(insn.vcpu, abs) {
        return insn.program(pgm::ADDRESSING);
    }
    static ZERO: [u8; access::PAGE_SIZE as usize] = [0; access::PAGE_SIZE as usize];
    gaccess::write_absolute(insn.vcpu, abs, &ZERO).map_err(|_| EFAULT)?;
    insn.set_cc(0);
    insn.gprs[0] = 0;
    Ok(Outcome::Continue)
}

/// LOAD CONTROL (B7), 32-bit halves of CR R1 through R3.
pub(crate) fn lctl(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_lctl);
    load_control(insn, 4)
}

/// LOAD CONTROL (EB..2F), 64-bit.
pub(crate) fn lctlg(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_lctlg);
    load_control(insn, 8)
}

fn load_control(insn: &mut Insn<'_>, width: usize) -> Result<Outcome> {
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let (ga, ar) = if width == 8 {
        insn.rsy_operand()
    } else {
        insn.s_operand()
    };
    if ga & (width as u64 - 1) != 0 {
        return insn.program(pgm::SPECIFICATION);
    }
    let (r1, r3) = decode::rs_registers(insn.ipa);
    let (regs, count) = decode::register_range(r1, r3);
    let mut buf = [0u8; 128];
    let Some(operand) = buf.get_mut(..count * width) else {
        return Err(EINVAL);
    };
    if let Err(e) = insn.read(ga, ar, operand) {
        return insn.access_failed(e);
    }
    let sie = insn.vcpu.sie_block();
    for (&cr, bytes) in regs.iter().zip(operand.chunks_exact(width)) {
        let mut value = [0u8; 8];
        value[8 - width..].copy_from_slice(bytes);
        let value = u64::from_be_bytes(value);
        // SAFETY: the SIE block is ours while the guest is out.
        unsafe {
            let old = (*sie).gcr[cr];
            (*sie).gcr[cr] = if width == 8 {
                value
            } else {
                (old & !0xffff_ffff) | value
            };
        }
    }
    // Control registers steer translation (CR0, 1, 7, 13): the guest TLB is purged, as
    // mainline's KVM_REQ_TLB_FLUSH does. Newly enabled interruption subclasses are
    // evaluated before the next entry.
    // SAFETY: as above.
    unsafe { (*sie).ihcpu = kvm_host::IHCPU_PURGE_TLB };
    Ok(Outcome::Continue)
}

/// STORE CONTROL (B6), 32-bit halves.
pub(crate) fn stctl(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_stctl);
    store_control(insn, 4)
}

/// STORE CONTROL (EB..25), 64-bit.
pub(crate) fn stctg(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_stctg);
    store_control(insn, 8)
}

fn store_control(insn: &mut Insn<'_>, width: usize) -> Result<Outcome> {
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let (ga, ar) = if width == 8 {
        insn.rsy_operand()
    } else {
        insn.s_operand()
    };
    if ga & (width as u64 - 1) != 0 {
        return insn.program(pgm::SPECIFICATION);
    }
    let (r1, r3) = decode::rs_registers(insn.ipa);
    let (regs, count) = decode::register_range(r1, r3);
    // SAFETY: the SIE block is ours while the guest is out.
    let crs = unsafe { (*insn.vcpu.sie_block()).gcr };
    let mut buf = [0u8; 128];
    for (&cr, out) in regs.iter().take(count).zip(buf.chunks_exact_mut(width)) {
        let value = crs[cr].to_be_bytes();
        out.copy_from_slice(&value[8 - width..]);
    }
    let Some(operand) = buf.get(..count * width) else {
        return Err(EINVAL);
    };
    match insn.write(ga, ar, operand) {
        Ok(()) => Ok(Outcome::Continue),
        Err(e) => insn.access_failed(e),
    }
}

/// TEST PROTECTION (E501): condition code 0-3 for the first operand's page, tested with
/// the access key in bits 56-59 of the second operand address.
pub(crate) fn tprot(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_tprot);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let (op1, op2) = decode::sse_operands(insn.ipb);
    let (ga, ar) = insn.address(op1);
    let (key_addr, _) = insn.address(op2);
    let access_key = ((key_addr >> 4) & 0xf) as u8;
    match gaccess::test_protection(insn.vcpu, &insn.cpu(), ga, ar, access_key) {
        Ok(cc) => {
            insn.set_cc(cc);
            Ok(Outcome::Continue)
        }
        Err(e) => insn.access_failed(e),
    }
}

/// STORE SYSTEM INFORMATION (B27D): levels 1 and 2 as the host reports them, level 3
/// (2.2) with this VM inserted as a level-3 guest; function code 15 (topology) and, with
/// `KVM_CAP_S390_USER_STSI` enabled, every stored level also go to user space as
/// `KVM_EXIT_S390_STSI`, after the kernel did its part (as mainline).
pub(crate) fn stsi(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_stsi);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let vm = insn.vcpu.vm();
    // SAFETY: `arch()` is valid; `user_stsi` is an int written by KVM_ENABLE_CAP.
    let user_stsi = unsafe { core::ptr::read_volatile(addr_of_mut!((*vm.arch()).user_stsi)) } != 0;
    let req = stsi::Request::decode(insn.gprs[0], insn.gprs[1]);
    match req.check(vm.has_facility(11), user_stsi) {
        stsi::Check::NotAvailable => {
            insn.set_cc(3);
            return Ok(Outcome::Continue);
        }
        stsi::Check::Specification => return insn.program(pgm::SPECIFICATION),
        stsi::Check::CurrentLevel => {
            insn.gprs[0] = 3 << 28;
            insn.set_cc(0);
            return Ok(Outcome::Continue);
        }
        stsi::Check::Store => {}
    }
    let (ga, ar) = insn.s_operand();
    if ga & 0xfff != 0 {
        return insn.program(pgm::SPECIFICATION);
    }
    if req.fc == 15 {
        stsi_user_exit(insn, ga, ar, &req);
        return Ok(Outcome::UserExit);
    }
    let mut page = KVec::<u8>::with_capacity(access::PAGE_SIZE as usize, GFP_KERNEL)?;
    page.resize(access::PAGE_SIZE as usize, 0, GFP_KERNEL)?;
    let stored = match req.fc {
        1 | 2 => host_stsi(&mut page, &req),
        _ if req.sel1 == 2 && req.sel2 == 2 => {
            let host_ok = host_stsi(&mut page, &req);
            if !host_ok {
                page.fill(0);
            }
            // SAFETY: `online_vcpus` is an atomic_t of the live VM.
            let cpus = unsafe { (*vm.as_raw()).online_vcpus.counter } as u16;
            stsi::insert_vm_3_2_2(&mut page, cpus);
            true
        }
        _ => false,
    };
    if !stored {
        insn.set_cc(3);
        return Ok(Outcome::Continue);
    }
    if let Err(e) = insn.write(ga, ar, &page) {
        return insn.access_failed(e);
    }
    insn.set_cc(0);
    insn.gprs[0] = 0;
    if user_stsi {
        stsi_user_exit(insn, ga, ar, &req);
        return Ok(Outcome::UserExit);
    }
    Ok(Outcome::Continue)
}

/// STSI on the host into `page`: whether the host has that level.
fn host_stsi(page: &mut [u8], req: &stsi::Request) -> bool {
    // SAFETY: `page` is a 4 KiB buffer of ours, as STSI stores a 4 KiB block.
    let rc = unsafe {
        bindings::kvm_s390_rust_stsi(
            page.as_mut_ptr().cast(),
            i32::from(req.fc),
            i32::from(req.sel1),
            i32::from(req.sel2),
        )
    };
    rc == 0
}

/// Describes the STSI for user space (`KVM_EXIT_S390_STSI`).
fn stsi_user_exit(insn: &Insn<'_>, ga: u64, ar: u8, req: &stsi::Request) {
    let run = insn.vcpu.run();
    insn.vcpu.set_exit_reason(bindings::KVM_EXIT_S390_STSI);
    // SAFETY: `kvm_run` is valid; the union member is the one `exit_reason` selects.
    unsafe {
        let s = addr_of_mut!((*run).__bindgen_anon_1.s390_stsi);
        write_volatile(addr_of_mut!((*s).addr), ga);
        write_volatile(addr_of_mut!((*s).ar), ar);
        write_volatile(addr_of_mut!((*s).fc), req.fc);
        write_volatile(addr_of_mut!((*s).sel1), req.sel1);
        write_volatile(addr_of_mut!((*s).sel2), req.sel2);
    }
}

/// LOAD PSW EXTENDED (EB..71, the SIY form): only with facility 193.
pub(crate) fn lpswey(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_lpswey);
    if !insn.vcpu.vm().has_facility(193) {
        return insn.program(pgm::OPERATION);
    }
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    // The SIY operand has the RSY operand's base and signed displacement.
    let (ga, ar) = insn.rsy_operand();
    if ga & 7 != 0 {
        return insn.program(pgm::SPECIFICATION);
    }
    let mut bytes = [0u8; 16];
    if let Err(e) = insn.read(ga, ar, &mut bytes) {
        return insn.access_failed(e);
    }
    let new = psw::psw_from_bytes(bytes);
    insn.set_psw(new);
    if !psw::is_valid(new) {
        return insn.program(pgm::SPECIFICATION);
    }
    // Unlike LPSW(E), LPSWEY does not record a breaking event.
    Ok(Outcome::Continue)
}

/// Runtime-instrumentation instructions (AA00-AA04): the guest has no facility 64 unless
/// the backend enables it lazily, which it does not: operation exception without the
/// facility, user space otherwise.
pub(crate) fn ri(insn: &mut Insn<'_>) -> Result<Outcome> {
    if insn.ipa & 0xf > 4 {
        return Ok(insn.forward());
    }
    count!(insn.vcpu, instruction_ri);
    if insn.vcpu.vm().has_facility(64) {
        return Ok(insn.forward());
    }
    insn.program(pgm::OPERATION)
}

/// Guarded-storage instructions (E3..49 LGG, E3..4D LLGFSG): as [`ri`], with facility 133.
pub(crate) fn gs(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_gs);
    if insn.vcpu.vm().has_facility(133) {
        return Ok(insn.forward());
    }
    insn.program(pgm::OPERATION)
}

/// PERFORM TIMING FACILITY FUNCTION (0104): no function is emulated, condition code 3.
pub(crate) fn ptff(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_ptff);
    insn.set_cc(3);
    Ok(Outcome::Continue)
}

/// SET CLOCK PROGRAMMABLE FIELD (0107): the TOD programmable register from GR0 bits 48-63.
pub(crate) fn sckpf(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_sckpf);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    if insn.gprs[0] & 0xffff_0000 != 0 {
        return insn.program(pgm::SPECIFICATION);
    }
    let sie = insn.vcpu.sie_block();
    // SAFETY: the SIE block is ours while the guest is out.
    unsafe { (*sie).todpr = (insn.gprs[0] & 0xffff) as u32 };
    Ok(Outcome::Continue)
}

/// IPTE (B221), CSP (B250), CSPG (B98A), IDTE (B98E) and CRDTE (B98F), which SIE
/// intercepts while the host holds the IPTE interlock (`ipte.rs`): once the host released
/// it (or a signal arrived, which `KVM_RUN` then returns for), the guest executes the
/// instruction again.
pub(crate) fn ipte_interlock(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_ipte_interlock);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    ipte::wait_released(insn.vcpu);
    retry(insn)
}

/// Moves the PSW back onto the intercepted instruction, so that the guest executes it
/// again (after a page was mapped, or while a memslot changes).
fn retry(insn: &Insn<'_>) -> Result<Outcome> {
    let p = insn.psw();
    insn.set_psw(Psw {
        mask: p.mask,
        addr: instruction_address(insn),
    });
    Ok(Outcome::Continue)
}

/// The guest absolute address of the 4 KiB block a key instruction names by real
/// address in a general register.
fn key_block(insn: &Insn<'_>, reg: usize) -> u64 {
    let cpu = insn.cpu();
    let real = access::effective(&cpu, insn.gprs[reg] & !(access::PAGE_SIZE - 1));
    crate::logic::prefix::real_to_absolute(cpu.prefix, GuestReal(real)).0
}

/// Reads the guest's key of the page at `abs`.
fn read_key(insn: &Insn<'_>, abs: u64) -> Result<gaccess::KeyOp<u8>> {
    gaccess::with_key(insn.vcpu.vm(), abs, false, |real, pgste| {
        (skey::KeyState { real, pgste }, skey::guest_key(real, pgste))
    })
}

/// INSERT STORAGE KEY EXTENDED (B229).
pub(crate) fn iske(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_iske);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    insn.vcpu.vm().gmap().enable_skeys(insn.vcpu.vm())?;
    let (r1, r2) = decode::rre_registers(insn.ipb);
    match read_key(insn, key_block(insn, r2))? {
        gaccess::KeyOp::Done(key) => {
            insn.gprs[r1] = (insn.gprs[r1] & !0xff) | u64::from(key & 0xfe);
            Ok(Outcome::Continue)
        }
        gaccess::KeyOp::Addressing => insn.program(pgm::ADDRESSING),
        gaccess::KeyOp::Retry => retry(insn),
    }
}

/// RESET REFERENCE BIT EXTENDED (B22A): condition code from R and C before.
pub(crate) fn rrbe(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_rrbe);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    insn.vcpu.vm().gmap().enable_skeys(insn.vcpu.vm())?;
    let (_, r2) = decode::rre_registers(insn.ipb);
    let abs = key_block(insn, r2);
    match gaccess::with_key(insn.vcpu.vm(), abs, true, |real, pgste| {
        let (cc, state) = skey::reset_reference(real, pgste);
        (state, cc)
    })? {
        gaccess::KeyOp::Done(cc) => {
            insn.set_cc(cc);
            Ok(Outcome::Continue)
        }
        gaccess::KeyOp::Addressing => insn.program(pgm::ADDRESSING),
        gaccess::KeyOp::Retry => retry(insn),
    }
}

/// SSKE M3 bits: nonquiescing, reference-bit update mask, change-bit update mask,
/// multiple-block.
const SSKE_NQ: u8 = 0x8;
const SSKE_MR: u8 = 0x4;
const SSKE_MC: u8 = 0x2;
const SSKE_MB: u8 = 0x1;

/// Sets the key of one page, conditionally with `mr`/`mc`: whether it was set and the
/// key before.
fn set_key(
    insn: &Insn<'_>,
    abs: u64,
    key: u8,
    conditional: Option<(bool, bool)>,
) -> Result<gaccess::KeyOp<(bool, u8)>> {
    gaccess::with_key(insn.vcpu.vm(), abs, true, |real, pgste| {
        let old = skey::guest_key(real, pgste);
        let needed = match conditional {
            Some((mr, mc)) => skey::conditional_set_needed(old, key, mr, mc),
            None => true,
        };
        let state = if needed {
            skey::set(real, pgste, key)
        } else {
            skey::KeyState { real, pgste }
        };
        (state, (needed, old))
    })
}

/// SET STORAGE KEY EXTENDED (B22B), with the conditional (facility 10), multiple-block
/// (facility 8) and nonquiescing (facility 14, the same as quiescing here) controls the
/// guest has, as mainline's `handle_sske`.
pub(crate) fn sske(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_sske);
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    insn.vcpu.vm().gmap().enable_skeys(insn.vcpu.vm())?;
    let vm = insn.vcpu.vm();
    let mut m3 = (insn.ipb >> 28) as u8;
    if !vm.has_facility(8) {
        m3 &= !SSKE_MB;
    }
    if !vm.has_facility(10) {
        m3 &= !(SSKE_MC | SSKE_MR);
    }
    if !vm.has_facility(14) {
        m3 &= !SSKE_NQ;
    }
    let (r1, r2) = decode::rre_registers(insn.ipb);
    let key = (insn.gprs[r1] & 0xfe) as u8;
    let conditional =
        (m3 & (SSKE_MR | SSKE_MC) != 0).then_some((m3 & SSKE_MR != 0, m3 & SSKE_MC != 0));
    let cpu = insn.cpu();
    let block = access::effective(&cpu, insn.gprs[r2] & !(access::PAGE_SIZE - 1));
    let (mut abs, end) = if m3 & SSKE_MB != 0 {
        // The operand is an absolute address; the keys up to the next 1 MiB boundary.
        (block, (block | 0xf_ffff).wrapping_add(1))
    } else {
        let abs = crate::logic::prefix::real_to_absolute(cpu.prefix, GuestReal(block)).0;
        (abs, abs.wrapping_add(access::PAGE_SIZE))
    };
    let mut last = (false, 0u8);
    while abs != end {
        match set_key(insn, abs, key, conditional)? {
            gaccess::KeyOp::Done(r) => last = r,
            gaccess::KeyOp::Addressing => return insn.program(pgm::ADDRESSING),
            // Keys set so far stay set: setting them again is harmless.
            gaccess::KeyOp::Retry => return retry(insn),
        }
        abs = abs.wrapping_add(access::PAGE_SIZE);
    }
    if conditional.is_some() {
        if m3 & SSKE_MB != 0 {
            // The old key in R1 is unpredictable for multiple blocks.
            insn.set_cc(3);
        } else {
            insn.set_cc(u8::from(last.0));
            insn.gprs[r1] = (insn.gprs[r1] & !0xff00) | (u64::from(last.1) << 8);
        }
    }
    if m3 & SSKE_MB != 0 {
        let mask = psw::address_mask(insn.psw().mask);
        let keep = if mask == u64::MAX {
            0xfff
        } else {
            !0xffff_f000u64
        };
        insn.gprs[r2] = (insn.gprs[r2] & keep) | (end & mask);
    }
    Ok(Outcome::Continue)
}

/// PFMF R1 bits (bit numbers of the low word of general register R1).
const PFMF_RESERVED: u64 = 0xfffc_0101;
const PFMF_SK: u64 = 0x0002_0000;
const PFMF_CF: u64 = 0x0001_0000;
const PFMF_FSC: u64 = 0x0000_7000;
const PFMF_NQ: u64 = 0x0000_0800;
const PFMF_MR: u64 = 0x0000_0400;
const PFMF_MC: u64 = 0x0000_0200;
const PFMF_KEY: u64 = 0x0000_00fe;

/// PERFORM FRAME MANAGEMENT FUNCTION (B9AF): clears frames and/or sets their keys, for
/// a 4 KiB, 1 MiB or (with EDAT-2) 2 GiB frame, as mainline's `handle_pfmf`.
pub(crate) fn pfmf(insn: &mut Insn<'_>) -> Result<Outcome> {
    count!(insn.vcpu, instruction_pfmf);
    let (r1, r2) = decode::rre_registers(insn.ipb);
    let vm = insn.vcpu.vm();
    if !vm.has_facility(8) {
        return insn.program(pgm::OPERATION);
    }
    if insn.problem_state() {
        return insn.program(pgm::PRIVILEGED_OP);
    }
    let ctl = insn.gprs[r1];
    if ctl & PFMF_RESERVED != 0 || (ctl & PFMF_NQ != 0 && !vm.has_facility(14)) {
        return insn.program(pgm::SPECIFICATION);
    }
    let conditional = (ctl & PFMF_SK != 0 && vm.has_facility(10))
        .then_some((ctl & PFMF_MR != 0, ctl & PFMF_MC != 0))
        .filter(|(mr, mc)| *mr || *mc);
    let key = (ctl & PFMF_KEY) as u8;
    let cpu = insn.cpu();
    let mut start = access::effective(&cpu, insn.gprs[r2] & !(access::PAGE_SIZE - 1));
    if ctl & PFMF_CF != 0 {
        if let Err(e) = access::check_low_address_real(&cpu, start) {
            return insn.access_failed(e);
        }
    }
    let mask = psw::address_mask(insn.psw().mask);
    let end = match ctl & PFMF_FSC {
        0x0000 => {
            // Only a 4 KiB frame is named by real address.
            start = crate::logic::prefix::real_to_absolute(cpu.prefix, GuestReal(start)).0;
            start.wrapping_add(access::PAGE_SIZE)
        }
        0x1000 => (start | 0xf_ffff).wrapping_add(1),
        0x2000 if vm.has_facility(78) && mask != 0x00ff_ffff => {
            (start | 0x7fff_ffff).wrapping_add(1)
        }
        _ => return insn.program(pgm::SPECIFICATION),
    };
    static ZERO: [u8; access::PAGE_SIZE as usize] = [0; access::PAGE_SIZE as usize];
    let mut abs = start;
    while abs != end {
        if ctl & PFMF_CF != 0 {
            if !gaccess::exists(insn.vcpu, abs) {
                return insn.program(pgm::ADDRESSING);
            }
            gaccess::write_absolute(insn.vcpu, abs, &ZERO).map_err(|_| EFAULT)?;
        }
        if ctl & PFMF_SK != 0 {
            vm.gmap().enable_skeys(vm)?;
            match set_key(insn, abs, key, conditional)? {
                gaccess::KeyOp::Done(_) => {}
                gaccess::KeyOp::Addressing => return insn.program(pgm::ADDRESSING),
                // Start over from the first frame: clearing and keying again is harmless.
                gaccess::KeyOp::Retry => return retry(insn),
            }
        }
        abs = abs.wrapping_add(access::PAGE_SIZE);
    }
    if ctl & PFMF_FSC != 0 {
        // R2 gets the address of the next frame, in the addressing mode.
        if mask == u64::MAX {
            insn.gprs[r2] = end;
        } else {
            insn.gprs[r2] = (insn.gprs[r2] & !0xffff_ffff) | (end & mask);
        }
    }
    Ok(Outcome::Continue)
}
