import { describe, expect, it } from 'vitest';
import { chooseUnit, formatBytes, formatMemCell, toFixedPython } from '../src/report/units.js';

describe('byte figures', () => {
  it('auto picks B below 1 KiB, KiB below 1 MiB, MiB below 1 GiB, else GiB', () => {
    expect(chooseUnit('auto', 1023)).toBe('B');
    expect(chooseUnit('auto', 1024)).toBe('KiB');
    expect(chooseUnit('auto', 1024 ** 2 - 1)).toBe('KiB');
    expect(chooseUnit('auto', 1024 ** 2)).toBe('MiB');
    expect(chooseUnit('auto', 1024 ** 3)).toBe('GiB');
    expect(chooseUnit('MiB', 3)).toBe('MiB');
  });

  it('rounds exact ties to even, as Python\'s format does (JavaScript\'s toFixed rounds them up)', () => {
    // '{:.1f}'.format(256/1024) == '0.2'; (0.25).toFixed(1) === '0.3'
    expect(toFixedPython(256, 10, 1)).toBe('0.2');
    expect(toFixedPython(768, 10, 1)).toBe('0.8');
    expect(toFixedPython(-256, 10, 1)).toBe('-0.2');
    expect(toFixedPython(5, 1, 0)).toBe('2'); // '{:.0f}'.format(2.5)
    expect(toFixedPython(7, 1, 0)).toBe('4'); // '{:.0f}'.format(3.5)
  });

  it('never prints a figure that is not zero as zero, nor -0.0: it takes the unit auto picks for it alone', () => {
    expect(formatBytes(-10, 'MiB', 1)).toBe('-10.0 B');
    expect(formatBytes(12_912, 'MiB', 1)).toBe('12.6 KiB');
    expect(formatBytes(-12_912, 'MiB', 1)).toBe('-12.6 KiB');
    expect(formatBytes(56, 'KiB', 1)).toBe('0.1 KiB');
    expect(formatBytes(51, 'KiB', 1)).toBe('51.0 B');
    expect(formatBytes(16 * 2 ** 20, 'GiB', 0)).toBe('16 MiB');
    expect(formatBytes(0, 'MiB', 1)).toBe('0.0 MiB');
    expect(formatMemCell(-56, 'MiB', 1)).toBe('-56.0 B');
    expect(formatMemCell(12_912, 'MiB', 3)).toBe('  0.012 MiB');
    expect(formatMemCell(12_912, 'MiB', 0)).toBe('  13 KiB');
    expect(formatMemCell(12_912, 'MiB', 2)).toBe('  0.01 MiB');
  });

  it('pads the number to precision + 4 before the unit, as memory_profiler\'s template does', () => {
    expect(formatMemCell(64, 'B', 1)).toBe(' 64.0 B');
    expect(formatMemCell(-784, 'B', 1)).toBe('-784.0 B');
    expect(formatMemCell(1536, 'KiB', 2)).toBe('  1.50 KiB');
    expect(formatBytes(150 * 1024 * 1024, 'GiB', 3)).toBe('0.146 GiB');
  });

  it('prints figures beyond 2^53 and non-finite ones without looping or throwing', () => {
    expect(toFixedPython(2 ** 60, 30, 1)).toBe('1073741824.0');
    expect(toFixedPython(Infinity, 0, 1)).toBe('Infinity');
    expect(toFixedPython(Number.NaN, 10, 1)).toBe('NaN');
    expect(toFixedPython(1536, 10, 1e9).length).toBe(102);
  });
});
